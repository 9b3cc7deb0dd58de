"""The report in a chosen format, with the ledger's latest checkpoint for its footer; and
the version worth showing when nobody names one (the demo's): the latest submitted to
the JCM, else the latest draft, else the live report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine

from domain.events import ReportSubmitted
from domain.reference import ReferenceData
from domain.report import Report, canonical_json
from eventstore import ledger
from eventstore.ledger import SignedCheckpoint
from eventstore.store import EventStore
from reports.html import render_html
from reports.pdf import render_pdf
from reports.source import generate, read_year

Format = Literal["json", "html", "pdf"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def latest_checkpoint(engine: Engine) -> SignedCheckpoint | None:
    """The ledger's latest signed checkpoint, or None if none was signed yet."""
    with engine.connect() as conn:
        return ledger.checkpoint(conn)


def rendered(report: Report, form: Format, checkpoint: SignedCheckpoint | None) -> bytes:
    """The report as ``form``: its canonical JSON, or an HTML or PDF document whose
    footer shows ``checkpoint`` (the JSON is the hashed report alone)."""
    if form == "json":
        return canonical_json(report)
    if form == "html":
        return render_html(report, checkpoint).encode("utf-8")
    return render_pdf(report, checkpoint)


def filename(report: Report, form: Format) -> str:
    """``ascn-report-2018-draft-2.pdf``, ``ascn-report-2018-live.html``."""
    version = "live" if report.meta.version is None else f"draft-{report.meta.version}"
    return f"ascn-report-{report.meta.year}-{version}.{form}"


@dataclass(frozen=True)
class Chosen:
    version: int | None
    said: str
    """Which it is, in words: ``submitted version 2``, ``draft 3 (none submitted)``."""


def showable(store: EventStore, year: int) -> Chosen:
    """The version to show of ``year``'s report: the latest submitted to the JCM, else
    the latest draft, else the live report."""
    found = read_year(store, year)
    submitted = [
        f.event.version
        for f in found.facts
        if isinstance(f.event, ReportSubmitted)
        and f.event.year == year
        and f.event.version is not None
    ]
    if submitted:
        return Chosen(submitted[-1], f"submitted version {submitted[-1]}")
    if found.drafts:
        latest = found.drafts[-1].version
        return Chosen(latest, f"draft {latest} (none submitted yet)")
    return Chosen(None, "the live report (no draft yet)")


@dataclass(frozen=True)
class Written:
    chosen: Chosen
    paths: tuple[Path, ...]


def write(
    store: EventStore,
    engine: Engine,
    reference: ReferenceData,
    year: int,
    folder: Path,
    forms: tuple[Format, ...] = ("html", "pdf"),
) -> Written:
    """Write the showable version of ``year``'s report into ``folder`` as ``<year>.html``
    and ``<year>.pdf``, each with the ledger's latest checkpoint."""
    chosen = showable(store, year)
    report = generate(store, reference, year, version=chosen.version)
    checkpoint = latest_checkpoint(engine)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for form in forms:
        path = folder / f"{year}.{form}"
        path.write_bytes(rendered(report, form, checkpoint))
        paths.append(path)
    return Written(chosen, tuple(paths))
