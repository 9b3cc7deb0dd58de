"""The version of a year's report worth showing when nobody names one (the demo's): the
latest submitted to the JCM, else the latest draft, else the live report; written to
files with the ledger's latest checkpoint in their footer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from domain.events import ReportSubmitted
from domain.reference import ReferenceData
from eventstore.store import EventStore
from reports.formats import Format, latest_checkpoint, render
from reports.source import generate, read_year


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
    reference: ReferenceData,
    year: int,
    folder: Path,
    forms: tuple[Format, ...] = ("html", "pdf"),
) -> Written:
    """Write the showable version of ``year``'s report into ``folder`` as ``<year>.html``
    and ``<year>.pdf``, each with the ledger's latest checkpoint."""
    chosen = showable(store, year)
    report = generate(store, reference, year, version=chosen.version)
    checkpoint = latest_checkpoint(store.engine)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for form in forms:
        path = folder / f"{year}.{form}"
        path.write_bytes(render(report, form, checkpoint))
        paths.append(path)
    return Written(chosen, tuple(paths))
