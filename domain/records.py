"""The facts kept outside a cycle's timetable, one stream each: a city's action plan
(``plan-<city-id>``), a year's monitoring (``monitoring-<year>``), the partner list
(``partners``), a city's twinning pairs (``twinning-<city-id>``).

``decide`` is the one rule every command goes through, in the workflow's validator and
handler (on the stream as the workflow knows it) and in the activity that records it
(on the stream as the store holds it, with the other streams it needs at hand).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.access import Action, Scope
from domain.errors import DomainError
from domain.events import ActionPlanSubmitted, DomainEvent, PartnerAdded
from domain.monitoring import (
    AssessProject,
    ExplainNotAssessed,
    MonitoringState,
    assess,
    explain_not_assessed,
)
from domain.partners import (
    AddPartner,
    PairCity,
    PartnersState,
    RecordMeetingOutcome,
    RecordTwinningException,
    TwinningState,
    add_partner,
    pair_city,
    record_meeting_outcome,
    record_twinning_exception,
)
from domain.plans import ActionPlan, PlanState, member_city, submit_plan
from domain.reference import ReferenceData

Kind = Literal[
    "submit_plan",
    "assess_project",
    "explain_not_assessed",
    "add_partner",
    "record_meeting_outcome",
    "pair_city",
    "record_twinning_exception",
]
Command = (
    ActionPlan
    | AssessProject
    | ExplainNotAssessed
    | AddPartner
    | RecordMeetingOutcome
    | PairCity
    | RecordTwinningException
)
COMMANDS: dict[str, type[BaseModel]] = {
    "submit_plan": ActionPlan,
    "assess_project": AssessProject,
    "explain_not_assessed": ExplainNotAssessed,
    "add_partner": AddPartner,
    "record_meeting_outcome": RecordMeetingOutcome,
    "pair_city": PairCity,
    "record_twinning_exception": RecordTwinningException,
}
PARTNERS_STREAM = "partners"


def plan_stream(city_id: str) -> str:
    return f"plan-{city_id}"


def monitoring_stream(year: int) -> str:
    return f"monitoring-{year}"


def twinning_stream(city_id: str) -> str:
    return f"twinning-{city_id}"


def stream_of(command: Command) -> str:
    """The stream a command's facts go to."""
    if isinstance(command, ActionPlan):
        return plan_stream(command.city_id)
    if isinstance(command, AssessProject | ExplainNotAssessed):
        return monitoring_stream(command.year)
    if isinstance(command, PairCity | RecordTwinningException):
        return twinning_stream(command.city_id)
    return PARTNERS_STREAM


class RecordsState(BaseModel):
    """A stream, folded; a stream of one kind leaves the others' parts empty."""

    model_config = ConfigDict(frozen=True)

    plan: PlanState = PlanState()
    monitoring: MonitoringState = MonitoringState()
    partners: PartnersState = PartnersState()
    twinning: TwinningState = TwinningState()

    def apply(self, fact: DomainEvent) -> RecordsState:
        return RecordsState(
            plan=self.plan.apply(fact),
            monitoring=self.monitoring.apply(fact),
            partners=self.partners.apply(fact),
            twinning=self.twinning.apply(fact),
        )

    def apply_all(self, facts: Iterable[DomainEvent]) -> RecordsState:
        state = self
        for fact in facts:
            state = state.apply(fact)
        return state


class Lookups(BaseModel):
    """What other streams say, where a rule needs it: each city's latest plan, the
    partner list. None: not at hand (in a workflow); the activity then checks it."""

    model_config = ConfigDict(frozen=True)

    plans: dict[str, ActionPlanSubmitted] | None = None
    partners: dict[str, PartnerAdded] | None = None


NOT_AT_HAND = Lookups()


def decide(
    command: Command, state: RecordsState, reference: ReferenceData, lookups: Lookups = NOT_AT_HAND
) -> list[DomainEvent]:
    """The facts ``command`` records on its stream, or the DomainError that refuses it."""
    if isinstance(command, ActionPlan):
        return submit_plan(state.plan, command, reference)
    if isinstance(command, AssessProject):
        return assess(state.monitoring, command, lookups.plans)
    if isinstance(command, ExplainNotAssessed):
        return explain_not_assessed(state.monitoring, command, lookups.plans)
    if isinstance(command, AddPartner):
        return add_partner(state.partners, command, reference)
    if isinstance(command, RecordMeetingOutcome):
        return record_meeting_outcome(state.partners, command, reference)
    if isinstance(command, PairCity):
        return pair_city(state.twinning, command, reference, lookups.partners)
    return record_twinning_exception(state.twinning, command, reference)


def permission(command: Command, reference: ReferenceData) -> tuple[Action, Scope]:
    """What the access policy is asked for ``command``: the action, and its scope (the
    city of a plan; the year, with its Chair, of what the Chair's team records)."""
    if isinstance(command, ActionPlan):
        return Action.SUBMIT_PLAN, Scope(city=command.city_id)
    if isinstance(command, AssessProject | ExplainNotAssessed):
        return Action.ASSESS_PROJECT, Scope(year=command.year)
    year = command.starts.year if isinstance(command, PairCity) else command.year
    try:
        chair: str | None = reference.chair_for(year).code
    except DomainError:
        chair = "(no Chair known)"
    return Action.RECORD_PARTNERSHIPS, Scope(year=year, chair=chair)


def precheck(command: Command, reference: ReferenceData) -> None:
    """What ``decide`` refuses whatever the streams hold (focus areas, membership, kinds,
    a repeated id within the command): the services refuse it before sending it."""
    if isinstance(command, RecordMeetingOutcome):
        if command.partners:
            kinds = RecordMeetingOutcome(year=command.year, partners=command.partners)
            record_meeting_outcome(PartnersState(), kinds, reference)
        for launch in command.launches:
            member_city(reference, launch.city_id, command.year)
        return
    decide(command, RecordsState(), reference)
