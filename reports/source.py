"""The annual report from the event store: read what the year needs, decode, build.

``generate`` is the report as the store has it now (the live report: every event up to
the store's last position, with the narrative of the year's latest draft) or draft
``version`` rebuilt exactly as it was drafted (the events up to its ``as_of_position``,
its narrative) and checked against the SHA-256 recorded with it. ``fingerprint`` is
what the drafting service records for a new draft.

What a draft's digest covers: the SHA-256 of the report's canonical JSON
(``domain.report.canonical_json``), the whole report: ``meta`` (year, format 1, the
position it is as of, the version number; chair, shepherd, template and zone), every
section computed from the events at or before that position, and the narrative. The
names of member states, cities and focus areas come from the reference data with the
membership stream's changes, so a release that renames one in the packaged data makes
older drafts fail their check: the check then says so, with both digests.

Reading: one pass over the log in position order (``EventStore.iter_all``), stopping at
the position the report is as of; only the events the year's report needs
(``domain.report.needs``, asked of the stored type and ``year`` before decoding) are
decoded, as the projections decode them (``eventstore.codec``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.events import CycleOpened, NarrativeSection, ReportDrafted
from domain.events.chain import MAX_REPORT_VERSIONS
from domain.reference import ReferenceData
from domain.report import (
    FORMAT,
    DigestMismatch,
    Fact,
    Report,
    ReportError,
    ReportNotFound,
    build_report,
    document_sha256,
    needs,
)
from eventstore.codec import to_domain
from eventstore.records import RecordedEvent
from eventstore.store import EventStore

PAGE = 2000
"""Events read per query: a year's report reads the whole log once, in pages."""


@dataclass(frozen=True)
class YearFacts:
    """What the store holds for a year's report up to ``as_of``, decoded."""

    year: int
    as_of: int
    facts: list[Fact]

    @property
    def drafts(self) -> list[ReportDrafted]:
        """The year's drafts, in the order recorded."""
        return [
            f.event
            for f in self.facts
            if isinstance(f.event, ReportDrafted) and f.event.year == self.year
        ]

    def has_cycle(self) -> bool:
        return any(
            isinstance(f.event, CycleOpened) and f.event.year == self.year for f in self.facts
        )

    def up_to(self, position: int) -> YearFacts:
        kept = [f for f in self.facts if f.position <= position]
        return YearFacts(year=self.year, as_of=position, facts=kept)


def fact_of(record: RecordedEvent) -> Fact:
    return Fact(
        position=record.position,
        stream_id=record.stream_id,
        event=to_domain(record),
        occurred_at=record.occurred_at,
        recorded_at=record.recorded_at,
        actor=record.actor,
    )


def wanted(records: Iterable[RecordedEvent], year: int, as_of: int) -> list[Fact]:
    """The facts of ``records`` (in position order) up to ``as_of`` the year's report
    reads, decoded; the others are skipped undecoded."""
    facts: list[Fact] = []
    for record in records:
        if record.position > as_of:
            break
        if needs(record.type, record.data.get("year"), year):
            facts.append(fact_of(record))
    return facts


def read_year(store: EventStore, year: int, as_of: int | None = None) -> YearFacts:
    """The year's facts up to ``as_of`` (default: the store's last position, read first:
    every event at or before it is visible once it is)."""
    last = store.last_position() if as_of is None else as_of
    facts = wanted(store.iter_all(page_size=PAGE), year, last)
    return YearFacts(year=year, as_of=last, facts=facts)


def _build(
    found: YearFacts,
    reference: ReferenceData,
    *,
    version: int | None,
    narrative: Iterable[NarrativeSection],
) -> Report:
    if not found.has_cycle():
        raise ReportNotFound(
            f"year: the store holds no cycle for {found.year} (as of position "
            f"{found.as_of}), so there is no {found.year} report"
        )
    return build_report(
        found.year, found.facts, reference=reference, as_of_position=found.as_of,
        version=version, narrative=narrative,
    )  # fmt: skip


def generate(
    store: EventStore, reference: ReferenceData, year: int, *, version: int | None = None
) -> Report:
    """The live report of ``year`` (``version`` None), or draft ``version`` rebuilt and
    checked: ``DigestMismatch`` if it no longer gives its recorded SHA-256,
    ``ReportNotFound`` for a year without a cycle or a draft never recorded."""
    found = read_year(store, year)
    drafts = found.drafts
    if version is None:
        narrative = drafts[-1].narrative if drafts else ()
        return _build(found, reference, version=None, narrative=narrative)
    draft = next((d for d in reversed(drafts) if d.version == version), None)
    if draft is None:
        known = ", ".join(str(d) for d in sorted({d.version for d in drafts})) or "none yet"
        raise ReportNotFound(f"version: the {year} report has no draft {version} (drafts: {known})")
    if draft.format != FORMAT:
        raise ReportError(
            f"version: draft {version} of the {year} report was made in report format "
            f"{draft.format}; this engine makes format {FORMAT}"
        )
    report = _build(
        found.up_to(draft.as_of_position), reference, version=version, narrative=draft.narrative
    )
    computed = document_sha256(report)
    if computed != draft.document_sha256:
        raise DigestMismatch(
            f"draft {version} of the {year} report does not match its record: recorded "
            f"sha256 {draft.document_sha256}, computed {computed} from the events up to "
            f"position {draft.as_of_position}; an event it was made from has changed "
            "(ascn verify checks the store's hash chain)"
        )
    return report


def fingerprint(
    store: EventStore,
    reference: ReferenceData,
    year: int,
    narrative: Iterable[NarrativeSection],
    *,
    version: int | None = None,
    as_of_position: int | None = None,
) -> tuple[int, str]:
    """What a new draft records: the position it is as of (the store's last, now) and
    the SHA-256 of the report as of it, numbered ``version`` (default: one more than
    the drafts recorded so far), with ``narrative``. ``generate(..., version=N)`` gives
    the same digest for a ``ReportDrafted`` that records these with version N.

    ``as_of_position``: the report from every event now, but labelled as of that
    position; with draft N's number, position and narrative, it gives N's digest when
    nothing since has changed the report's figures (a draft that would repeat N)."""
    found = read_year(store, year)
    latest = max((d.version for d in found.drafts), default=0)
    number = latest + 1 if version is None else version
    if not 1 <= number <= MAX_REPORT_VERSIONS:
        raise ReportError(
            f"version: the {year} report cannot have a draft {number}; drafts are numbered "
            f"1 to {MAX_REPORT_VERSIONS}"
        )
    report = _build(found, reference, version=number, narrative=tuple(narrative))
    if as_of_position is not None:
        meta = report.meta.model_copy(update={"as_of_position": as_of_position})
        report = report.model_copy(update={"meta": meta})
    return found.as_of, document_sha256(report)
