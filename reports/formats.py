"""The report's formats: one dispatch, ``render``, for the CLI and the API alike.

JSON is the report's canonical JSON (``domain.report.canonical_json``): the very bytes a
draft's SHA-256 is taken over, so ``sha256sum`` of a draft's JSON file gives the digest
recorded when it was drafted. HTML and PDF are drawn from the same ``Report``.
"""

from __future__ import annotations

from typing import Literal, get_args

from domain.report import Report, ReportError, canonical_json

Format = Literal["json", "html", "pdf"]
FORMATS: tuple[str, ...] = get_args(Format)
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


class FormatUnavailable(ReportError):
    """A format this build cannot render."""


def render(report: Report, fmt: str) -> bytes:
    """The report in ``fmt`` (json, html or pdf), as bytes to write or send."""
    if fmt == "json":
        return canonical_json(report)
    if fmt in FORMATS:
        raise FormatUnavailable(
            f"format: {fmt} is not rendered by this build yet; json is (--format json)"
        )
    raise FormatUnavailable(
        f"format: {fmt!r} is not a report format; use one of {', '.join(FORMATS)}"
    )
