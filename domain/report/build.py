"""The builder: a year's facts folded into its ``Report``. Pure and deterministic: the
same facts give the same report, whatever order they come in and whenever it runs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import DomainError
from domain.events import NarrativeSection
from domain.reference import ReferenceData
from domain.report.cycle import CycleFold, cycle_section, fold_cycle, outstanding_section
from domain.report.facts import Fact
from domain.report.index import Index
from domain.report.model import (
    ComparisonSection,
    CycleSection,
    DecisionsSection,
    Measure,
    MembershipSection,
    Meta,
    NominationsSection,
    PartnersSection,
    ProgressSection,
    Report,
)
from domain.report.sections import (
    Names,
    decisions_section,
    membership_section,
    nominations_section,
    on_time_section,
    partners_section,
    progress_section,
    returned,
)

NO_CYCLE = "no cycle"


@dataclass(frozen=True)
class _Year:
    """The sections the comparison measures, for one year."""

    cycle: CycleSection
    nominations: NominationsSection
    membership: MembershipSection
    progress: ProgressSection
    partners: PartnersSection
    decisions: DecisionsSection


def _year(index: Index, cycle: CycleFold, year: int, names: Names) -> _Year:
    return _Year(
        cycle=cycle_section(cycle),
        nominations=nominations_section(index, cycle, year, names),
        membership=membership_section(index, year),
        progress=progress_section(index, year, names),
        partners=partners_section(index, year, names),
        decisions=decisions_section(index.cycle.get(year, [])),
    )


MEASURES: tuple[tuple[str, str], ...] = (
    ("steps_planned", "Steps planned"),
    ("steps_completed", "Steps completed"),
    ("deadlines_met", "Deadlines met"),
    ("deadlines_missed", "Deadlines missed"),
    ("extensions", "Deadlines extended"),
    ("escalations", "Escalations"),
    ("returns", "Nomination returns (lists and no change)"),
    ("late_returns", "Late returns"),
    ("cities_nominated", "Cities nominated"),
    ("candidatures_accepted", "Candidature cities accepted"),
    ("projects", "Projects in the action plans"),
    ("projects_assessed", "Projects assessed"),
    ("projects_completed", "Projects completed"),
    ("partners_added", "Partners added"),
    ("twinning_pairs", "Twinning pairs active"),
    ("decisions", "Decisions recorded"),
)
"""The headline measures compared with the previous year: key, label."""


def _measures(of: _Year) -> dict[str, int]:
    totals, progress = of.nominations.totals, of.progress.totals
    return {
        "steps_planned": len(of.cycle.steps),
        "steps_completed": sum(1 for s in of.cycle.steps if s.state == "completed"),
        "deadlines_met": of.cycle.deadlines_met,
        "deadlines_missed": of.cycle.deadlines_missed,
        "extensions": len(of.cycle.extensions),
        "escalations": len(of.cycle.escalations),
        "returns": totals.submitted + totals.nil_returns,
        "late_returns": totals.late,
        "cities_nominated": totals.cities,
        "candidatures_accepted": of.membership.accepted,
        "projects": progress.total,
        "projects_assessed": sum(
            getattr(progress, s) for s in ("planned", "ongoing", "completed", "stalled", "dropped")
        ),
        "projects_completed": progress.completed,
        "partners_added": len(of.partners.partners_added),
        "twinning_pairs": len(of.partners.twinning),
        "decisions": len(of.decisions.decisions),
    }


def _comparison(year: int, this: _Year, before: _Year | None) -> ComparisonSection:
    now = _measures(this)
    then = _measures(before) if before is not None else {}
    return ComparisonSection(
        previous_year=year - 1,
        previous_cycle=before is not None,
        note="" if before is not None else NO_CYCLE,
        measures=tuple(
            Measure(key=key, label=label, this_year=now[key], previous_year=then.get(key))
            for key, label in MEASURES
        ),
    )


def _meta(year: int, as_of: int, version: int | None, cycle: CycleFold, names: Names) -> Meta:
    opened = cycle.opened
    if opened is None:
        return Meta(year=year, as_of_position=as_of, version=version)
    return Meta(
        year=year, as_of_position=as_of, version=version, chair=opened.chair,
        chair_name=names.state(opened.chair), shepherd=opened.shepherd,
        shepherd_name=names.state(opened.shepherd), template=opened.template,
        zone=cycle.plan.zone if cycle.plan is not None else None,
    )  # fmt: skip


class ReportError(DomainError):
    """A report that cannot be built or checked as asked."""


class ReportNotFound(ReportError):
    """No report of that year (the store holds no cycle for it), or no such draft."""


class DigestMismatch(ReportError):
    """A draft computed again from the store does not give the SHA-256 recorded when it
    was drafted: an event it was computed from has changed, or the builder has."""


def build_report(
    year: int,
    facts: Iterable[Fact],
    *,
    reference: ReferenceData,
    as_of_position: int | None = None,
    version: int | None = None,
    narrative: Iterable[NarrativeSection] = (),
) -> Report:
    """The report of ``year`` from ``facts`` (decoded events; those the report does not
    need are ignored, ``domain.report.facts.needs``). ``as_of_position``: the log position
    the facts were read up to (the default: the last fact's); a fact after it is refused,
    so a report can never claim less than it holds. ``version``: the draft it is (None:
    the live report); ``narrative``: the drafter's sections. ``reference`` names the
    member states, cities and focus areas, with the membership stream's changes."""
    kept = list(facts)
    last = max((f.position for f in kept), default=0)
    as_of = last if as_of_position is None else as_of_position
    if last > as_of:
        raise ReportError(f"a fact at position {last} is after the report's as_of_position {as_of}")
    index = Index.of(year, kept)
    names = Names(reference, index)
    cycle = fold_cycle(index.cycle.get(year, []))
    previous = fold_cycle(index.cycle.get(year - 1, []))
    this = _year(index, cycle, year, names)
    before = _year(index, previous, year - 1, names) if previous.exists else None
    return Report(
        meta=_meta(year, as_of, version, cycle, names),
        cycle=this.cycle,
        nominations=this.nominations,
        membership=this.membership,
        progress=this.progress,
        partners=this.partners,
        outstanding=outstanding_section(cycle, returned(index, year)),
        decisions=this.decisions,
        on_time=on_time_section(index, cycle, year, names),
        comparison=_comparison(year, this, before),
        narrative=tuple(narrative),
    )
