"""The report's formats: one dispatch, ``render``, for the CLI and the API alike.

JSON is the report's canonical JSON (``domain.report.canonical_json``): the very bytes a
draft's SHA-256 is taken over, so ``sha256sum`` of a draft's JSON file gives the digest
recorded when it was drafted. HTML and PDF are drawn from the same ``Report``
(``reports.html``, ``reports.pdf``), with the ledger's latest checkpoint in their footer.
"""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import Engine

from domain.report import Report, ReportError, canonical_json
from eventstore import ledger
from eventstore.ledger import SignedCheckpoint

Format = Literal["json", "html", "pdf"]
FORMATS: tuple[str, ...] = get_args(Format)
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


class FormatUnavailable(ReportError):
    """A format this build cannot render."""


def render(report: Report, fmt: str, checkpoint: SignedCheckpoint | None = None) -> bytes:
    """The report in ``fmt`` (json, html or pdf), as bytes to write or send. The HTML and
    the PDF end with ``checkpoint``, the ledger's latest (not part of the report's hash;
    the JSON is the hashed report alone)."""
    if fmt == "json":
        return canonical_json(report)
    # Imported here: matplotlib and typst take a while to load, and only these need them.
    if fmt == "html":
        from reports.html import render_html

        return render_html(report, checkpoint).encode("utf-8")
    if fmt == "pdf":
        from reports.pdf import render_pdf

        return render_pdf(report, checkpoint)
    raise FormatUnavailable(
        f"format: {fmt!r} is not a report format; use one of {', '.join(FORMATS)}"
    )


def latest_checkpoint(engine: Engine) -> SignedCheckpoint | None:
    """The ledger's latest signed checkpoint, or None if none was signed yet."""
    with engine.connect() as conn:
        return ledger.checkpoint(conn)
