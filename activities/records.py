"""Recording action plans, assessments, partners and twinning: the domain's rule on the
stream as the store holds it, with the other streams it needs read at that moment.

``record`` is idempotent (``activities.recording``): its events' ids derive from the
update's key, so a retried activity or a re-sent update records them once. It answers
with the stream's state after the append, which the workflow keeps as its own.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict
from temporalio import activity

from activities.errors import refusals_are_final
from activities.recording import record_decision
from domain.actors import Actor
from domain.events import DomainEvent
from domain.monitoring import (
    AssessProject,
    ExplainNotAssessed,
    MonitoringState,
    unassessed_projects,
)
from domain.partners import PairCity, PartnersState
from domain.plans import PlanState, city_id
from domain.records import (
    COMMANDS,
    NOT_AT_HAND,
    PARTNERS_STREAM,
    Command,
    Kind,
    Lookups,
    RecordsState,
    decide,
    monitoring_stream,
    plan_stream,
    stream_of,
)
from domain.reference import ReferenceData
from eventstore.codec import to_domain
from eventstore.store import EventStore


class RecordRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str
    kind: Kind
    command: dict[str, Any]
    actor: Actor
    occurred_at: AwareDatetime


class RecordedFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    types: tuple[str, ...]
    already_recorded: bool
    state: RecordsState


class LoadRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stream_id: str


class StoreMonitoring:
    """``unassessed_projects(year)`` from the event store itself (each city's plan stream
    and the year's monitoring stream), never behind: what a step that settles on it
    should ask. ``ReadModelMonitoring`` answers the same from the read models."""

    def __init__(self, store: EventStore, reference: ReferenceData) -> None:
        self._store = store
        self._reference = reference

    def unassessed_projects(self, year: int) -> list[str]:
        plans = []
        for city in self._reference.cities:
            events = self._store.read_stream(plan_stream(city_id(city)))
            latest = PlanState.of(to_domain(e) for e in events).latest
            if latest is not None:
                plans.append(latest)
        monitoring = MonitoringState.of(
            to_domain(e) for e in self._store.read_stream(monitoring_stream(year))
        )
        return unassessed_projects(year, plans, monitoring.revisions, monitoring.reasons)


class RecordsActivities:
    def __init__(self, store: EventStore, reference: ReferenceData) -> None:
        self._store = store
        self._reference = reference

    @activity.defn(name="records_load")
    def load(self, request: LoadRequest) -> RecordsState:
        """The stream as the store holds it, folded (a workflow's first run)."""
        return self._state(request.stream_id)

    @activity.defn(name="records_record")
    @refusals_are_final
    def record(self, request: RecordRequest) -> RecordedFacts:
        command: Command = COMMANDS[request.kind].model_validate(request.command)  # type: ignore[assignment]
        stream = stream_of(command)
        lookups = self._lookups(command)

        def rule(history: list[DomainEvent]) -> list[DomainEvent]:
            return decide(command, RecordsState().apply_all(history), self._reference, lookups)

        appended = record_decision(
            self._store,
            stream_id=stream,
            idempotency_key=request.idempotency_key,
            decide=lambda history: rule(list(history)),
            actor=request.actor,
            occurred_at=request.occurred_at,
        )
        return RecordedFacts(
            types=appended.types, already_recorded=appended.already_recorded,
            state=self._state(stream),
        )  # fmt: skip

    def _state(self, stream_id: str) -> RecordsState:
        return RecordsState().apply_all(to_domain(e) for e in self._store.read_stream(stream_id))

    def _lookups(self, command: Command) -> Lookups:
        if isinstance(command, AssessProject | ExplainNotAssessed):
            plans = {}
            for city in self._reference.cities:
                ident = city_id(city)
                events = self._store.read_stream(plan_stream(ident))
                latest = PlanState.of(to_domain(e) for e in events).latest
                if latest is not None:
                    plans[ident] = latest
            return Lookups(plans=plans)
        if isinstance(command, PairCity):
            events = self._store.read_stream(PARTNERS_STREAM)
            return Lookups(partners=PartnersState.of(to_domain(e) for e in events).partners)
        return NOT_AT_HAND
