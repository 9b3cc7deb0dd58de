"""The cycle's facts, recorded exactly once in the cycle's stream."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict
from temporalio import activity

from activities.errors import refusals_are_final
from activities.logging import activity_logger
from activities.recording import AppendedFacts, event_id
from domain.actors import Actor
from domain.events import REGISTRY
from domain.ledger import NominationLedger
from domain.membership import MEMBERSHIP_STREAM, Membership
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_domain, to_new_event
from eventstore.store import EventStore


class RecordFactRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str
    year: int
    type: str
    schema_version: int
    data: dict[str, Any]
    actor: Actor
    occurred_at: AwareDatetime


class LoadLedgersRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    member_states: tuple[str, ...]


class Ledgers(BaseModel):
    model_config = ConfigDict(frozen=True)

    ledgers: dict[str, NominationLedger]
    # The membership changes so far (None in histories recorded before they existed).
    membership: Membership | None = None


class CycleActivities:
    def __init__(self, store: EventStore) -> None:
        self._store = store

    @activity.defn(name="record_cycle_fact")
    @refusals_are_final
    def record_fact(self, request: RecordFactRequest) -> AppendedFacts:
        fact = REGISTRY.decode(request.type, request.schema_version, request.data)
        new = to_new_event(
            fact,
            event_id=event_id(request.idempotency_key, 0),
            occurred_at=request.occurred_at,
            actor=request.actor,
        )
        stream = cycle_stream(request.year)
        result = self._store.append(stream, [new], expected_version=None)
        activity_logger(step=request.data.get("step"), fact=request.type).debug(
            "recorded", stream=stream, position=result.positions[0],
            already_recorded=result.already_recorded,
        )  # fmt: skip
        return AppendedFacts(
            stream_id=stream,
            types=(request.type,),
            positions=result.positions,
            already_recorded=result.already_recorded,
        )

    @activity.defn(name="load_nomination_ledgers")
    def load_ledgers(self, request: LoadLedgersRequest) -> Ledgers:
        return Ledgers(
            ledgers={
                code: NominationLedger.from_events(
                    code, [to_domain(e) for e in self._store.read_stream(nominations_stream(code))]
                )
                for code in request.member_states
            },
            membership=Membership.from_events(
                to_domain(e) for e in self._store.read_stream(MEMBERSHIP_STREAM)
            ),
        )
