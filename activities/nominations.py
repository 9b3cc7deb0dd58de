"""Nominations, exceptions and nil returns: domain rules applied to the event store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict
from temporalio import activity

from activities.errors import refusals_are_final
from activities.membership import reference_at
from activities.recording import AppendedFacts, record_decision
from domain.actors import Actor
from domain.commands import DeclareNilReturn, GrantException, SubmitNominations
from domain.events import DomainEvent
from domain.nominations import (
    NominationLedger,
    declare_nil_return,
    grant_exception,
    submit_nominations,
)
from domain.reference import ReferenceData
from domain.streams import nominations_stream
from eventstore.store import EventStore

Rule = Callable[[NominationLedger], list[DomainEvent]]


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str


class SubmitNominationsRequest(_Request):
    command: SubmitNominations


class DeclareNilReturnRequest(_Request):
    command: DeclareNilReturn


class GrantExceptionRequest(_Request):
    command: GrantException
    granted_at: AwareDatetime


class NominationActivities:
    def __init__(self, store: EventStore, reference: ReferenceData) -> None:
        self._store = store
        self._reference = reference

    @activity.defn(name="submit_nominations")
    @refusals_are_final
    def submit_nominations(self, request: SubmitNominationsRequest) -> AppendedFacts:
        command = request.command
        return self._record(
            request,
            command.member_state,
            command.submitted_by,
            command.submitted_at,
            lambda ledger: submit_nominations(ledger, command, self._at(command.reference_version)),
        )

    @activity.defn(name="declare_nil_return")
    @refusals_are_final
    def declare_nil_return(self, request: DeclareNilReturnRequest) -> AppendedFacts:
        command = request.command
        return self._record(
            request,
            command.member_state,
            command.submitted_by,
            command.submitted_at,
            lambda ledger: declare_nil_return(ledger, command, self._at(command.reference_version)),
        )

    @activity.defn(name="grant_exception")
    @refusals_are_final
    def grant_exception(self, request: GrantExceptionRequest) -> AppendedFacts:
        command = request.command
        return self._record(
            request,
            command.member_state,
            command.granted_by,
            request.granted_at,
            lambda ledger: grant_exception(ledger, command, self._at(command.reference_version)),
        )

    def _at(self, version: int) -> ReferenceData:
        """The reference data the cycle decided with (its version of the membership)."""
        return self._reference if version == 0 else reference_at(
            self._store, self._reference, version)  # fmt: skip

    def _record(
        self, request: _Request, member_state: str, actor: Actor, at: datetime, rule: Rule
    ) -> AppendedFacts:
        def decide(history: Sequence[DomainEvent]) -> list[DomainEvent]:
            return rule(NominationLedger.from_events(member_state, history))

        return record_decision(
            self._store,
            stream_id=nominations_stream(member_state),
            idempotency_key=request.idempotency_key,
            decide=decide,
            actor=actor,
            occurred_at=at,
        )
