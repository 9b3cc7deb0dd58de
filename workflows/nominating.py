"""Nominations, nil returns and exceptions (update handlers).

Each decides on the member state's ledger as its activity will, records through the
activity, then applies the decision to the workflow's copy of the ledger. Commands on
one member state's ledger run one at a time under that ledger's lock, and each checks
its rule again there: ten copies of one exception sent at once grant it once, and the
other nine are refused by the domain's own rule ("exception id ... is already used").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from activities.nominations import (
        DeclareNilReturnRequest,
        GrantExceptionRequest,
        NominationActivities,
        SubmitNominationsRequest,
    )
    from activities.recording import AppendedFacts
    from domain.access import Action
    from domain.commands import DeclareNilReturn, GrantException, SubmitNominations
    from domain.events import DomainEvent, NilReturnDeclared, NominationsSubmitted
    from domain.ledger import NominationLedger
    from domain.nominations import declare_nil_return, grant_exception, submit_nominations
    from workflows import guards
    from workflows.core import CycleCore, refusal
    from workflows.messages import (
        DeclareNilReturnUpdate,
        GrantExceptionUpdate,
        SubmitNominationsUpdate,
        UpdateResult,
    )
    from workflows.progress import NOMINATION_STEP

NominationUpdate = SubmitNominationsUpdate | DeclareNilReturnUpdate | GrantExceptionUpdate
Rule = Callable[[NominationLedger], list[DomainEvent]]


class NominationDecisions(CycleCore):
    @workflow.update
    async def submit_nominations(self, update: SubmitNominationsUpdate) -> UpdateResult:
        def rule(ledger: NominationLedger) -> list[DomainEvent]:
            return submit_nominations(ledger, self._submission(update), self.reference())

        return await self._decide_and_record(
            update, rule, NominationActivities.submit_nominations,
            lambda key: SubmitNominationsRequest(idempotency_key=key,
                                                 command=self._submission(update)),
        )  # fmt: skip

    @submit_nominations.validator
    def _validate_submission(self, update: SubmitNominationsUpdate) -> None:
        self.admit(update, "submit_nominations", Action.SUBMIT_NOMINATIONS,
                   member_state=update.member_state)  # fmt: skip
        guards.submission_fits(update)
        self._check(update, lambda ledger: submit_nominations(
            ledger, self._submission(update), self.reference()))  # fmt: skip

    @workflow.update
    async def declare_nil_return(self, update: DeclareNilReturnUpdate) -> UpdateResult:
        def rule(ledger: NominationLedger) -> list[DomainEvent]:
            return declare_nil_return(ledger, self._nil_return(update), self.reference())

        return await self._decide_and_record(
            update, rule, NominationActivities.declare_nil_return,
            lambda key: DeclareNilReturnRequest(idempotency_key=key,
                                                command=self._nil_return(update)),
        )  # fmt: skip

    @declare_nil_return.validator
    def _validate_nil_return(self, update: DeclareNilReturnUpdate) -> None:
        self.admit(update, "declare_nil_return", Action.DECLARE_NIL_RETURN,
                   member_state=update.member_state)  # fmt: skip
        self._check(update, lambda ledger: declare_nil_return(
            ledger, self._nil_return(update), self.reference()))  # fmt: skip

    @workflow.update
    async def grant_exception(self, update: GrantExceptionUpdate) -> UpdateResult:
        def rule(ledger: NominationLedger) -> list[DomainEvent]:
            return grant_exception(ledger, self._exception(update), self.reference())

        return await self._decide_and_record(
            update, rule, NominationActivities.grant_exception,
            lambda key: GrantExceptionRequest(idempotency_key=key,
                                              command=self._exception(update),
                                              granted_at=self.now()),
        )  # fmt: skip

    @grant_exception.validator
    def _validate_exception(self, update: GrantExceptionUpdate) -> None:
        self.admit(update, "grant_exception", Action.GRANT_EXCEPTION,
                   member_state=update.member_state)  # fmt: skip
        guards.fits(update.exception_id, "the exception id", limit=guards.MAX_ID)
        guards.fits(update.reason, "the reason", limit=guards.MAX_REASON, one_line=False)
        self._check(update, lambda ledger: grant_exception(
            ledger, self._exception(update), self.reference()))  # fmt: skip

    def _check(self, update: NominationUpdate, rule: Rule) -> list[DomainEvent]:
        """What the validator and, under the lock, the handler check: the member state
        is in the cycle (and nominations are open, for a return), the domain's rule
        accepts the command on the ledger as it stands, and a return is not a repeat."""
        if isinstance(update, GrantExceptionUpdate):
            guards.in_cycle(self.progress, update.member_state)
        else:
            guards.nominations_open(self.progress, update.member_state, self.now())
        guards.ledgers_loaded(self.progress)
        ledger = self.state.ledgers[update.member_state]
        decided = guards.decided_by(lambda: rule(ledger))
        if not isinstance(update, GrantExceptionUpdate):
            guards.not_a_repeat(ledger, decided)
        return decided

    async def _decide_and_record(
        self,
        update: NominationUpdate,
        rule: Rule,
        activity: Callable[[NominationActivities, Any], AppendedFacts],
        request: Callable[[str], BaseModel],
    ) -> UpdateResult:
        """Decide on the ledger as the activity will, record it, then apply it here."""
        self.accept(update)
        code = update.member_state
        key = self._update_key()
        async with self.one_at_a_time(self.ledger_lock(code)):
            try:
                decided = self._check(update, rule)
            except ApplicationError:
                if self.new_rules():
                    raise
                # A cycle recorded before this check decided without it.
                decided = guards.decided_by(lambda: rule(self.state.ledgers[code]))
            try:
                recorded: AppendedFacts = await self.execute(activity, request(key))
            except ActivityError as error:
                raise refusal(error, f"{type(update).__name__} of {code}") from None
            self._apply(code, decided)
        self.publish()
        return UpdateResult(recorded=recorded.types)

    def nominations_in_flight(self) -> bool:
        return any(lock.locked() for lock in self.ledgers.values())

    def _apply(self, member_state: str, decided: list[DomainEvent]) -> None:
        ledger: NominationLedger = self.state.ledgers[member_state]
        self.state.ledgers[member_state] = ledger.apply_all(decided)
        returned = any(isinstance(e, NominationsSubmitted | NilReturnDeclared) for e in decided)
        if returned and member_state not in self.state.submitted:
            self.state.submitted.append(member_state)

    def _received_at(self, update: SubmitNominationsUpdate | DeclareNilReturnUpdate) -> datetime:
        """When ascn received it: the seal's stamp, never a time the submitter gave.
        (Histories from before seals fall back to their own ``sent_at``.)"""
        if update.seal is not None:
            return update.seal.received_at
        return self.now() if update.sent_at is None else update.sent_at

    def _update_key(self) -> str:
        info = workflow.current_update_info()
        assert info is not None
        return f"{workflow.info().workflow_id}/update/{info.id}"

    def _submission(self, update: SubmitNominationsUpdate) -> SubmitNominations:
        return SubmitNominations(
            year=self.plan.year, member_state=update.member_state, submitted_by=update.actor,
            submitted_at=self._received_at(update), deadline=self.deadline(NOMINATION_STEP),
            national_representative=update.national_representative, cities=update.cities,
            reference_version=self.state.membership.version,
        )  # fmt: skip

    def _nil_return(self, update: DeclareNilReturnUpdate) -> DeclareNilReturn:
        return DeclareNilReturn(
            year=self.plan.year, member_state=update.member_state, submitted_by=update.actor,
            submitted_at=self._received_at(update), deadline=self.deadline(NOMINATION_STEP),
            reference_version=self.state.membership.version,
        )  # fmt: skip

    def _exception(self, update: GrantExceptionUpdate) -> GrantException:
        return GrantException(
            year=self.plan.year, member_state=update.member_state, granted_by=update.actor,
            exception_id=update.exception_id, rule=update.rule, max_cities=update.max_cities,
            reason=update.reason, reference_version=self.state.membership.version,
        )  # fmt: skip
