"""A member state's nominations across years, folded from its event stream."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from domain.errors import WrongLedger
from domain.events.base import DomainEvent
from domain.events.nominations import (
    ExceptionGranted,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
)
from domain.values import MemberStateCode

Decision = NominationsSubmitted | NilReturnDeclared
"""What a member state decided for a year: a list of cities, or "no change"."""

_LedgerEvent = (NominationsSubmitted, NilReturnDeclared, ExceptionGranted, LateSubmissionRecorded)


class NominationLedger(BaseModel):
    """Everything one member state's nomination stream says, in stream order.

    Immutable: ``apply`` returns a new ledger. Events of other types are ignored;
    a nomination event for another member state raises WrongLedger.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    member_state: MemberStateCode
    decisions: tuple[Decision, ...] = ()
    exceptions: tuple[ExceptionGranted, ...] = ()
    late_submissions: tuple[LateSubmissionRecorded, ...] = ()

    @classmethod
    def empty(cls, member_state: str) -> NominationLedger:
        return cls(member_state=member_state)

    @classmethod
    def from_events(cls, member_state: str, events: Iterable[DomainEvent]) -> NominationLedger:
        return cls.empty(member_state).apply_all(events)

    def apply_all(self, events: Iterable[DomainEvent]) -> NominationLedger:
        ledger = self
        for event in events:
            ledger = ledger.apply(event)
        return ledger

    def apply(self, event: DomainEvent) -> NominationLedger:
        if not isinstance(event, _LedgerEvent):
            return self
        if event.member_state != self.member_state:
            raise WrongLedger(
                f"{event.event_type} for {event.member_state} ({event.year}) cannot be "
                f"applied to the nomination ledger of {self.member_state}"
            )
        if isinstance(event, ExceptionGranted):
            return self.model_copy(update={"exceptions": (*self.exceptions, event)})
        if isinstance(event, LateSubmissionRecorded):
            return self.model_copy(update={"late_submissions": (*self.late_submissions, event)})
        return self.model_copy(update={"decisions": (*self.decisions, event)})

    def exceptions_for(self, year: int) -> tuple[ExceptionGranted, ...]:
        """The exceptions granted for ``year``, in the order they were granted."""
        return tuple(e for e in self.exceptions if e.year == year)

    def has_exception_id(self, exception_id: str) -> bool:
        return any(e.exception_id == exception_id for e in self.exceptions)

    def decision_for(self, year: int) -> Decision | None:
        """The latest decision for ``year``: a later one supersedes an earlier one."""
        for decision in reversed(self.decisions):
            if decision.year == year:
                return decision
        return None

    def accepted_for(self, year: int) -> NominationsSubmitted | None:
        """The nominations in force for ``year``.

        For a nil return this is the carried-forward submission (whose own ``year``
        is the year it was made in). None if nothing was accepted for ``year``.
        """
        current = year
        while (decision := self.decision_for(current)) is not None:
            if isinstance(decision, NominationsSubmitted):
                return decision
            current = decision.carried_forward_from  # always earlier: the loop ends
        return None

    def latest_year_before(self, year: int) -> int | None:
        """The most recent year before ``year`` with accepted nominations, if any."""
        earlier = sorted({d.year for d in self.decisions if d.year < year}, reverse=True)
        for candidate in earlier:
            if self.accepted_for(candidate) is not None:
                return candidate
        return None

    def late_for(self, year: int) -> tuple[LateSubmissionRecorded, ...]:
        return tuple(e for e in self.late_submissions if e.year == year)
