"""The facts a report reads, sorted once into what each section asks for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.events import (
    ActionPlanSubmitted,
    CityDecided,
    CityProposed,
    DomainEvent,
    ExceptionGranted,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
    PartnerAdded,
    ProjectAssessed,
    ProjectLaunchedAtMeeting,
    ProjectNotAssessed,
    ReportDrafted,
    TwinningPaired,
)
from domain.ledger import NominationLedger
from domain.plans import PlanState
from domain.report.facts import Fact, needs

_NOMINATIONS = (NominationsSubmitted, NilReturnDeclared, ExceptionGranted, LateSubmissionRecorded)
_MONITORING = (ProjectAssessed, ProjectNotAssessed)
_MEMBERSHIP = (CityProposed, CityDecided)


@dataclass
class Index:
    """A year's facts (and the year before's, for the comparison), in log order."""

    year: int
    cycle: dict[int, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    """The cycle's own facts by year: the timetable, decisions, submissions, drafts."""
    nominations: dict[str, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    """Each member state's nomination facts."""
    membership: list[Fact] = field(default_factory=list)
    plans: dict[str, list[DomainEvent]] = field(default_factory=lambda: defaultdict(list))
    monitoring: dict[int, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    partners: list[Fact] = field(default_factory=list)
    launches: dict[int, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    twinning: list[Fact] = field(default_factory=list)
    drafts: list[Fact] = field(default_factory=list)

    @classmethod
    def of(cls, year: int, facts: Iterable[Fact]) -> Index:
        index = cls(year=year)
        for fact in sorted(facts, key=lambda f: f.position):
            index.add(fact)
        return index

    def add(self, fact: Fact) -> None:
        event = fact.event
        if not needs(event.event_type, getattr(event, "year", None), self.year):
            return
        if isinstance(event, _NOMINATIONS):
            self.nominations[event.member_state].append(fact)
        elif isinstance(event, _MEMBERSHIP):
            self.membership.append(fact)
        elif isinstance(event, ActionPlanSubmitted):
            self.plans[event.city_id].append(event)
        elif isinstance(event, _MONITORING):
            self.monitoring[event.year].append(fact)
        elif isinstance(event, PartnerAdded):
            self.partners.append(fact)
        elif isinstance(event, ProjectLaunchedAtMeeting):
            self.launches[event.year].append(fact)
        elif isinstance(event, TwinningPaired):
            self.twinning.append(fact)
        elif isinstance(event, ReportDrafted):
            if event.year == self.year:
                self.drafts.append(fact)
        else:
            self.cycle[getattr(event, "year")].append(fact)  # noqa: B009 - every one has it

    def ledger(self, member_state: str) -> NominationLedger:
        return NominationLedger.from_events(
            member_state, (f.event for f in self.nominations.get(member_state, ()))
        )

    def latest_plans(self) -> list[ActionPlanSubmitted]:
        """Each city's current plan (``domain.plans.PlanState``: the latest version), by
        city id."""
        plans = (PlanState.of(self.plans[city]).latest for city in sorted(self.plans))
        return [plan for plan in plans if plan is not None]
