"""Membership changes (candidature cities), decided on the ``membership`` stream and
recorded once; the answer is the membership as it then stands, version included, which
is how a running cycle learns of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict
from temporalio import activity

from activities.errors import refusals_are_final
from activities.recording import record_decision
from domain.actors import Actor
from domain.events import DomainEvent
from domain.membership import MEMBERSHIP_STREAM, Membership, decide_city, propose_city
from domain.reference import ReferenceData
from eventstore.codec import to_domain
from eventstore.store import EventStore


class LoadMembershipRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MembershipChangeRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str
    year: int
    member_state: str
    city: str
    change: Literal["propose", "accept", "decline"]
    capital: bool = False
    reason: str = ""
    actor: Actor
    occurred_at: AwareDatetime


def read_membership(store: EventStore) -> Membership:
    return Membership.from_events(to_domain(e) for e in store.read_stream(MEMBERSHIP_STREAM))


def reference_at(store: EventStore, base: ReferenceData, version: int) -> ReferenceData:
    """The reference data as of ``version``: the packaged data and the first changes."""
    events = [to_domain(e) for e in store.read_stream(MEMBERSHIP_STREAM)][:version]
    return Membership.from_events(events).reference(base)


class MembershipActivities:
    def __init__(self, store: EventStore, reference: ReferenceData) -> None:
        self._store = store
        self._reference = reference

    @activity.defn(name="record_membership_change")
    @refusals_are_final
    def record_change(self, request: MembershipChangeRequest) -> Membership:
        def decide(history: Sequence[DomainEvent]) -> list[DomainEvent]:
            membership = Membership.from_events(history)
            if request.change == "propose":
                return [propose_city(
                    membership, self._reference, year=request.year,
                    member_state=request.member_state, city=request.city,
                    capital=request.capital,
                )]  # fmt: skip
            decision: Literal["accepted", "declined"] = (
                "accepted" if request.change == "accept" else "declined"
            )
            return [decide_city(
                membership, year=request.year, member_state=request.member_state,
                city=request.city, decision=decision, reason=request.reason,
            )]  # fmt: skip

        record_decision(
            self._store, stream_id=MEMBERSHIP_STREAM, idempotency_key=request.idempotency_key,
            decide=decide, actor=request.actor, occurred_at=request.occurred_at,
        )  # fmt: skip
        return read_membership(self._store)

    @activity.defn(name="load_membership")
    def load(self, _: LoadMembershipRequest) -> Membership:
        """The membership as it stands (a running cycle told of a newer version)."""
        return read_membership(self._store)
