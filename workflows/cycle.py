"""One ASCN cycle year as a durable workflow (workflow id ``ascn-cycle-<year>``).

Each step opens, reminds whoever still owes something, escalates up the ladder
once its deadline passes, waits for the Chair's team to approve (or waive) it,
and completes. Human input arrives as updates whose validators run the domain's
own rules, so a refused command is answered at once and never reaches history.
Every fact goes to the event store through an activity; this module does no I/O.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from activities.cycle import CycleActivities, LoadLedgersRequest, RecordFactRequest
    from activities.nominations import (
        DeclareNilReturnRequest,
        GrantExceptionRequest,
        NominationActivities,
        SubmitNominationsRequest,
    )
    from activities.recording import AppendedFacts
    from domain.access import Action
    from domain.actors import Actor
    from domain.calendar import CyclePlan, PlannedStep
    from domain.commands import DeclareNilReturn, GrantException, SubmitNominations
    from domain.events import (
        REGISTRY,
        CycleCompleted,
        CycleOpened,
        DeadlineExtended,
        DomainEvent,
        NilReturnDeclared,
        NominationsSubmitted,
        Noted,
        ReminderSent,
        StepApproved,
        StepCompleted,
        StepEscalated,
        StepOpened,
        StepWaived,
    )
    from domain.ledger import NominationLedger
    from domain.nominations import declare_nil_return, grant_exception, submit_nominations
    from domain.planning import planned
    from workflows import guards, search
    from workflows.messages import (
        ApproveStepUpdate,
        CycleInput,
        CycleMemory,
        CycleStatus,
        DeclareNilReturnUpdate,
        ExtendDeadlineUpdate,
        GrantExceptionUpdate,
        SealedUpdate,
        SubmitNominationsUpdate,
        UpdateResult,
        WaiveStepUpdate,
    )
    from workflows.progress import NOMINATION_STEP, Progress

SYSTEM = Actor(id="ascn-engine", role="system")
# Above SQLite's 30 s busy timeout; a worker that dies mid-activity holds a step this long.
ACTIVITY_TIMEOUT = timedelta(minutes=1)
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


# One cycle a year, ever: a closed cycle's id is never reused, whatever ended it, because
# a second run would record facts whose ids collide with the first run's.
CYCLE_ID_REUSE = WorkflowIDReusePolicy.REJECT_DUPLICATE


NominationUpdate = SubmitNominationsUpdate | DeclareNilReturnUpdate | GrantExceptionUpdate
StepUpdate = ApproveStepUpdate | ExtendDeadlineUpdate | WaiveStepUpdate


def workflow_id(year: int) -> str:
    return f"ascn-cycle-{year}"


@workflow.defn(name="AscnCycle")
class CycleWorkflow:
    @workflow.init
    def __init__(self, cycle: CycleInput) -> None:
        self.input = cycle
        self.plan: CyclePlan = cycle.plan
        self.state: CycleMemory = cycle.state or CycleMemory(
            deadlines={s.step: s.deadline for s in cycle.plan.steps}
        )
        self.progress = Progress(self.plan, self.state)
        self.woken = False

    # -- the main line -------------------------------------------------------

    @workflow.run
    async def run(self, cycle: CycleInput) -> CycleStatus:
        if not self.state.ledgers_loaded:
            await self._load_ledgers()
        if not self.state.started:
            self.state.started = True
            await self._record(
                "cycle-opened",
                CycleOpened(year=self.plan.year, chair=self.plan.chair,
                            shepherd=self.plan.shepherd, template=self.plan.template),
            )  # fmt: skip
            # The whole plan on record from the first day, so the status and the calendar
            # feeds show every step before it opens; cycles started before it replay without.
            if workflow.patched("record-plan"):
                await self._record("cycle-planned", planned(self.plan))
        while self.state.next_step < len(self.plan.steps):
            await self._run_step(self.plan.steps[self.state.next_step])
            self.state.next_step += 1
            if self._history_is_long() and self.state.next_step < len(self.plan.steps):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(cycle.model_copy(update={"state": self.state}))
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._record("cycle-completed", CycleCompleted(year=self.plan.year))
        return self.status()

    async def _run_step(self, step: PlannedStep) -> None:
        name = step.step
        if name not in self.state.opened:
            await self._sleep_until(step.opens_at, lambda: self.progress.settled(name))
            if name in self.state.waived:
                return await self._complete(step)
            self.state.opened[name] = self.now()
            self.state.processed_until[name] = self.now()
            await self._record(
                f"{name}/opened",
                StepOpened(year=self.plan.year, step=name, deadline=self.deadline(name)),
            )
            workflow.logger.info("step opened", extra={"step": name})
            self._publish()
        while not self.progress.settled(name):
            await self._act_on_due(step)
            due = self.progress.next_due(name)
            self.woken = False

            def wake() -> bool:
                return self.progress.settled(name) or self.woken

            if due is None:
                await workflow.wait_condition(wake)
            else:
                await self._sleep_until(due, wake)
        await self._complete(step)

    async def _complete(self, step: PlannedStep) -> None:
        name = step.step
        if name in self.state.completed:
            return
        waived = name in self.state.waived
        outstanding = () if waived else tuple(self.progress.outstanding(step))
        if step.noted_by and not waived:
            await self._record(
                f"{name}/noted",
                Noted(year=self.plan.year, body=step.noted_by, decision=step.decision),
            )
        await self._record(
            f"{name}/completed",
            StepCompleted(year=self.plan.year, step=name, outstanding=outstanding),
        )
        self.state.completed.append(name)
        workflow.logger.info("step completed", extra={"step": name})
        self._publish()

    def _publish(self) -> None:
        """Keep the search attributes current (only when the namespace has them)."""
        if not self.input.search_attributes:
            return
        status = self.status()
        workflow.upsert_search_attributes(
            [
                search.YEAR.value_set(self.plan.year),
                search.CURRENT_STEP.value_set(status.current_step or "none"),
                search.OVERDUE.value_set(len(status.overdue)),
            ]
        )

    async def _act_on_due(self, step: PlannedStep) -> None:
        """Send the reminders and escalations whose time has come since the last look."""
        name, now = step.step, self.now()
        deadline = self.deadline(name).isoformat()
        for rung, _, target in self.progress.due(name, now):
            owed = tuple(self.progress.owed(step))
            if not owed:
                continue
            key = f"{name}/{rung}/{deadline}"
            if target is None:
                fact: DomainEvent = ReminderSent(
                    year=self.plan.year, step=name, rung=rung, recipients=owed
                )
                await self._record(f"{key}/reminder", fact)
            else:
                self.state.fired.append(self.progress.fire_key(name, rung))
                self.state.escalated.setdefault(name, []).append(rung)
                fact = StepEscalated(
                    year=self.plan.year, step=name, rung=rung,
                    escalated_to=self.progress.escalation_label(target), outstanding=owed,
                )  # fmt: skip
                await self._record(f"{key}/escalated", fact)
                self._publish()
        self.state.processed_until[name] = now

    # -- human input ---------------------------------------------------------
    # Each validator first checks the services' seal (a forged, replayed or stale
    # command never reaches history), then the access policy with everything the
    # cycle knows, then the domain's own rule, exactly as the handler will run it.

    @workflow.update
    async def submit_nominations(self, update: SubmitNominationsUpdate) -> UpdateResult:
        command = self._submission(update)
        return await self._decide_and_record(
            update,
            lambda ledger: submit_nominations(ledger, command, self.input.reference),
            NominationActivities.submit_nominations,
            SubmitNominationsRequest(idempotency_key=self._update_key(), command=command),
        )

    @submit_nominations.validator
    def _validate_submission(self, update: SubmitNominationsUpdate) -> None:
        self._admit(update, "submit_nominations", Action.SUBMIT_NOMINATIONS,
                    member_state=update.member_state)  # fmt: skip
        guards.nominations_open(self.progress, update.member_state)
        ledger = self.state.ledgers[update.member_state]
        guards.domain_rule_allows(
            lambda: submit_nominations(ledger, self._submission(update), self.input.reference)
        )

    @workflow.update
    async def declare_nil_return(self, update: DeclareNilReturnUpdate) -> UpdateResult:
        command = self._nil_return(update)
        return await self._decide_and_record(
            update,
            lambda ledger: declare_nil_return(ledger, command, self.input.reference),
            NominationActivities.declare_nil_return,
            DeclareNilReturnRequest(idempotency_key=self._update_key(), command=command),
        )

    @declare_nil_return.validator
    def _validate_nil_return(self, update: DeclareNilReturnUpdate) -> None:
        self._admit(update, "declare_nil_return", Action.DECLARE_NIL_RETURN,
                    member_state=update.member_state)  # fmt: skip
        guards.nominations_open(self.progress, update.member_state)
        ledger = self.state.ledgers[update.member_state]
        guards.domain_rule_allows(
            lambda: declare_nil_return(ledger, self._nil_return(update), self.input.reference)
        )

    @workflow.update
    async def grant_exception(self, update: GrantExceptionUpdate) -> UpdateResult:
        command = self._exception(update)
        return await self._decide_and_record(
            update,
            lambda ledger: grant_exception(ledger, command, self.input.reference),
            NominationActivities.grant_exception,
            GrantExceptionRequest(
                idempotency_key=self._update_key(), command=command, granted_at=self.now()
            ),
        )

    @grant_exception.validator
    def _validate_exception(self, update: GrantExceptionUpdate) -> None:
        self._admit(update, "grant_exception", Action.GRANT_EXCEPTION,
                    member_state=update.member_state)  # fmt: skip
        guards.in_cycle(self.progress, update.member_state)
        ledger = self.state.ledgers[update.member_state]
        guards.domain_rule_allows(
            lambda: grant_exception(ledger, self._exception(update), self.input.reference)
        )

    async def _decide_and_record(
        self,
        update: NominationUpdate,
        rule: Callable[[NominationLedger], list[DomainEvent]],
        activity: Callable[[NominationActivities, Any], AppendedFacts],
        request: BaseModel,
    ) -> UpdateResult:
        """Decide on the ledger as the activity will, record it, then apply it here."""
        self._accept(update)
        decided = rule(self.state.ledgers[update.member_state])
        recorded = await workflow.execute_activity_method(
            activity, request, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY
        )
        self._apply(update.member_state, decided)
        self._publish()
        return UpdateResult(recorded=recorded.types)

    @workflow.update
    async def approve_step(self, update: ApproveStepUpdate) -> UpdateResult:
        self._accept(update)
        await self._record(
            f"{update.step}/approved",
            StepApproved(year=self.plan.year, step=update.step),
            actor=update.actor,
        )
        self.state.approved.append(update.step)
        return UpdateResult(recorded=("StepApproved",))

    @approve_step.validator
    def _validate_approval(self, update: ApproveStepUpdate) -> None:
        self._admit_on_step(update, "approve_step", Action.APPROVE_STEP)
        step = self.plan.step(update.step)
        if step.step not in self.state.opened:
            raise ApplicationError(
                f"step {step.step} has not opened yet (it opens {step.opens_at.isoformat()})"
            )
        guards.not_settled(self.progress, step.step)

    @workflow.update
    async def extend_deadline(self, update: ExtendDeadlineUpdate) -> UpdateResult:
        self._accept(update)
        previous = self.deadline(update.step)
        # Moving the deadline and waking the step loop happen in this one handler,
        # so the timers follow the new deadline from this workflow task on.
        self.state.deadlines[update.step] = update.new_deadline
        self.woken = True
        await self._record(
            f"{update.step}/extended/{update.new_deadline.isoformat()}",
            DeadlineExtended(year=self.plan.year, step=update.step, previous_deadline=previous,
                             new_deadline=update.new_deadline, reason=update.reason.strip()),
            actor=update.actor,
        )  # fmt: skip
        return UpdateResult(recorded=("DeadlineExtended",))

    @extend_deadline.validator
    def _validate_extension(self, update: ExtendDeadlineUpdate) -> None:
        self._admit_on_step(update, "extend_deadline", Action.EXTEND_DEADLINE)
        guards.not_settled(self.progress, update.step)
        guards.needs_reason(update.reason, f"extending {update.step}")
        current = self.deadline(update.step)
        if update.new_deadline <= current:
            raise ApplicationError(
                f"the new deadline {update.new_deadline.isoformat()} of {update.step} must be "
                f"after the current one, {current.isoformat()}"
            )

    @workflow.update
    async def waive_step(self, update: WaiveStepUpdate) -> UpdateResult:
        self._accept(update)
        await self._record(
            f"{update.step}/waived",
            StepWaived(year=self.plan.year, step=update.step, reason=update.reason.strip()),
            actor=update.actor,
        )
        self.state.waived.append(update.step)
        return UpdateResult(recorded=("StepWaived",))

    @waive_step.validator
    def _validate_waiver(self, update: WaiveStepUpdate) -> None:
        self._admit_on_step(update, "waive_step", Action.WAIVE_STEP)
        guards.not_settled(self.progress, update.step)
        guards.needs_reason(update.reason, f"waiving {update.step}")

    def _admit(self, update: SealedUpdate, name: str, action: Action, **scope: str) -> None:
        guards.sealed(update, name, self.progress, self.now())
        guards.allowed(update, action, self.progress, **scope)

    def _admit_on_step(self, update: StepUpdate, name: str, action: Action) -> None:
        guards.sealed(update, name, self.progress, self.now())
        step = guards.known_step(self.progress, update.step)
        guards.allowed(update, action, self.progress, owed_by=step.owed_by)

    def _accept(self, update: SealedUpdate) -> None:
        """Spend the update's nonce. Two copies of one sealed update can pass their
        validators in one workflow task; only the first handler to run goes on."""
        if update.seal is None:  # recorded before seals: replaying an old history
            return
        if update.seal.nonce in self.state.nonces:
            raise ApplicationError("this command was already received: a replay is refused")
        self.state.nonces.append(update.seal.nonce)

    @workflow.query
    def status(self) -> CycleStatus:
        return self.progress.status(self.now())

    # -- helpers ---------------------------------------------------------------

    def now(self) -> datetime:
        return workflow.now() + self.input.clock_offset

    def deadline(self, step: str) -> datetime:
        return self.progress.deadline(step)

    async def _sleep_until(self, moment: datetime, wake: Callable[[], bool]) -> None:
        delay = moment - self.now()
        if delay <= timedelta(0):
            return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(wake, timeout=delay)

    async def _record(self, key: str, fact: DomainEvent, *, actor: Actor = SYSTEM) -> None:
        encoded = REGISTRY.encode(fact)
        await workflow.execute_activity_method(
            CycleActivities.record_fact,
            RecordFactRequest(
                idempotency_key=f"{workflow.info().workflow_id}/{key}",
                year=self.plan.year,
                type=encoded.type,
                schema_version=encoded.schema_version,
                data=encoded.data,
                actor=actor,
                occurred_at=self.now(),
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _load_ledgers(self) -> None:
        loaded = await workflow.execute_activity_method(
            CycleActivities.load_ledgers,
            LoadLedgersRequest(member_states=self.plan.member_states),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self.state.ledgers = dict(loaded.ledgers)
        self.state.ledgers_loaded = True

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

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self.input.continue_as_new_after
        )

    def _submission(self, update: SubmitNominationsUpdate) -> SubmitNominations:
        return SubmitNominations(
            year=self.plan.year, member_state=update.member_state, submitted_by=update.actor,
            submitted_at=self._received_at(update), deadline=self.deadline(NOMINATION_STEP),
            national_representative=update.national_representative, cities=update.cities,
        )  # fmt: skip

    def _nil_return(self, update: DeclareNilReturnUpdate) -> DeclareNilReturn:
        return DeclareNilReturn(
            year=self.plan.year, member_state=update.member_state, submitted_by=update.actor,
            submitted_at=self._received_at(update), deadline=self.deadline(NOMINATION_STEP),
        )  # fmt: skip

    def _exception(self, update: GrantExceptionUpdate) -> GrantException:
        return GrantException(
            year=self.plan.year, member_state=update.member_state, granted_by=update.actor,
            exception_id=update.exception_id, rule=update.rule, max_cities=update.max_cities,
            reason=update.reason,
        )  # fmt: skip
