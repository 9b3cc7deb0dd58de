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

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.cycle import CycleActivities, LoadLedgersRequest, RecordFactRequest
    from activities.nominations import (
        DeclareNilReturnRequest,
        GrantExceptionRequest,
        NominationActivities,
        SubmitNominationsRequest,
    )
    from domain.actors import Actor
    from domain.calendar import CyclePlan, PlannedStep
    from domain.commands import DeclareNilReturn, GrantException, SubmitNominations
    from domain.errors import DomainError
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
    from workflows.messages import (
        ApproveStepUpdate,
        CycleInput,
        CycleState,
        CycleStatus,
        DeclareNilReturnUpdate,
        ExtendDeadlineUpdate,
        GrantExceptionUpdate,
        StepState,
        StepStatus,
        SubmitNominationsUpdate,
        UpdateResult,
        WaiveStepUpdate,
    )

NOMINATION_STEP = "nomination_deadline"
SYSTEM = Actor(id="ascn-engine", role="system")
ACTIVITY_TIMEOUT = timedelta(minutes=2)
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


def workflow_id(year: int) -> str:
    return f"ascn-cycle-{year}"


@workflow.defn(name="AscnCycle")
class CycleWorkflow:
    @workflow.init
    def __init__(self, cycle: CycleInput) -> None:
        self.plan: CyclePlan = cycle.plan
        self.input = cycle
        self.state: CycleState = cycle.state or CycleState(
            deadlines={s.step: s.deadline for s in cycle.plan.steps}
        )
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
        while self.state.next_step < len(self.plan.steps):
            step = self.plan.steps[self.state.next_step]
            await self._run_step(step)
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
            await self._sleep_until(step.opens_at, lambda: self._settled(name))
            if name in self.state.waived:
                return await self._complete(step)
            self.state.opened[name] = self.now()
            self.state.processed_until[name] = self.now()
            await self._record(
                f"{name}/opened",
                StepOpened(year=self.plan.year, step=name, deadline=self.deadline(name)),
            )
            workflow.logger.info("step opened", extra={"step": name})
        while not self._settled(name):
            await self._act_on_due(step)
            due = self._next_due(step)
            self.woken = False
            wake = lambda: self._settled(name) or self.woken  # noqa: E731
            if due is None:
                await workflow.wait_condition(wake)
            else:
                await self._sleep_until(due, wake)
        await self._complete(step)

    async def _complete(self, step: PlannedStep) -> None:
        name = step.step
        if name in self.state.completed:
            return
        outstanding = tuple(self.outstanding(step)) if name not in self.state.waived else ()
        if step.noted_by and name in self.state.approved:
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

    async def _act_on_due(self, step: PlannedStep) -> None:
        """Send the reminders and escalations whose time has come since the last look."""
        name = step.step
        since, now = self.state.processed_until[name], self.now()
        deadline = self.deadline(name)
        for rung, at, target in self._schedule(name):
            if not since < at <= now:
                continue
            owed = tuple(self.owed(step))
            if not owed:
                continue
            key = f"{name}/{rung}/{deadline.isoformat()}"
            if target is None:
                await self._record(
                    f"{key}/reminder",
                    ReminderSent(year=self.plan.year, step=name, rung=rung, recipients=owed),
                )
            else:
                self.state.escalated.setdefault(name, []).append(rung)
                await self._record(
                    f"{key}/escalated",
                    StepEscalated(year=self.plan.year, step=name, rung=rung,
                                  escalated_to=self._escalation_label(target), outstanding=owed),
                )  # fmt: skip
        self.state.processed_until[name] = now

    def _schedule(self, name: str) -> list[tuple[str, datetime, str | None]]:
        deadline = self.deadline(name)
        reminders = [(r.rung, deadline - r.before, None) for r in self.plan.reminders]
        ladder = [(e.rung, deadline + e.after, e.to) for e in self.plan.ladder]
        return sorted([*reminders, *ladder], key=lambda item: item[1])

    def _next_due(self, step: PlannedStep) -> datetime | None:
        since = self.state.processed_until[step.step]
        upcoming = [at for _, at, _ in self._schedule(step.step) if at > since]
        return min(upcoming, default=None)

    # -- human input ---------------------------------------------------------

    @workflow.update
    async def submit_nominations(self, update: SubmitNominationsUpdate) -> UpdateResult:
        command = self._submission(update)
        ledger = self.state.ledgers[update.member_state]
        decided = submit_nominations(ledger, command, self.input.reference)
        recorded = await workflow.execute_activity_method(
            NominationActivities.submit_nominations,
            SubmitNominationsRequest(idempotency_key=self._update_key(), command=command),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self._apply(update.member_state, decided)
        return UpdateResult(recorded=recorded.types)

    @submit_nominations.validator
    def _validate_submission(self, update: SubmitNominationsUpdate) -> None:
        self._nominations_open(update.actor, update.member_state)
        ledger = self.state.ledgers[update.member_state]
        self._refuse_domain_errors(
            lambda: submit_nominations(ledger, self._submission(update), self.input.reference)
        )

    @workflow.update
    async def declare_nil_return(self, update: DeclareNilReturnUpdate) -> UpdateResult:
        command = self._nil_return(update)
        decided = declare_nil_return(
            self.state.ledgers[update.member_state], command, self.input.reference
        )
        recorded = await workflow.execute_activity_method(
            NominationActivities.declare_nil_return,
            DeclareNilReturnRequest(idempotency_key=self._update_key(), command=command),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self._apply(update.member_state, decided)
        return UpdateResult(recorded=recorded.types)

    @declare_nil_return.validator
    def _validate_nil_return(self, update: DeclareNilReturnUpdate) -> None:
        self._nominations_open(update.actor, update.member_state)
        ledger = self.state.ledgers[update.member_state]
        self._refuse_domain_errors(
            lambda: declare_nil_return(ledger, self._nil_return(update), self.input.reference)
        )

    @workflow.update
    async def grant_exception(self, update: GrantExceptionUpdate) -> UpdateResult:
        command = self._exception(update)
        decided = grant_exception(
            self.state.ledgers[update.member_state], command, self.input.reference
        )
        recorded = await workflow.execute_activity_method(
            NominationActivities.grant_exception,
            GrantExceptionRequest(
                idempotency_key=self._update_key(), command=command, granted_at=self.now()
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self._apply(update.member_state, decided)
        return UpdateResult(recorded=recorded.types)

    @grant_exception.validator
    def _validate_exception(self, update: GrantExceptionUpdate) -> None:
        if update.member_state not in self.state.ledgers:
            raise ApplicationError(
                f"{update.member_state} is not a member state of the {self.plan.year} cycle "
                f"({', '.join(self.plan.member_states)})"
            )
        ledger = self.state.ledgers[update.member_state]
        self._refuse_domain_errors(
            lambda: grant_exception(ledger, self._exception(update), self.input.reference)
        )

    @workflow.update
    async def approve_step(self, update: ApproveStepUpdate) -> UpdateResult:
        await self._record(
            f"{update.step}/approved",
            StepApproved(year=self.plan.year, step=update.step),
            actor=update.actor,
        )
        self.state.approved.append(update.step)
        return UpdateResult(recorded=("StepApproved",))

    @approve_step.validator
    def _validate_approval(self, update: ApproveStepUpdate) -> None:
        self._chair_team_only(update.actor, "approve a step")
        step = self._known_step(update.step)
        if step.step not in self.state.opened:
            raise ApplicationError(
                f"step {step.step} has not opened yet (it opens {step.opens_at.isoformat()})"
            )
        self._not_settled(step.step)

    @workflow.update
    async def extend_deadline(self, update: ExtendDeadlineUpdate) -> UpdateResult:
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
        self._chair_team_only(update.actor, "extend a deadline")
        self._known_step(update.step)
        self._not_settled(update.step)
        if not update.reason.strip():
            raise ApplicationError(f"extending {update.step} needs a reason")
        current = self.deadline(update.step)
        if update.new_deadline <= current:
            raise ApplicationError(
                f"the new deadline {update.new_deadline.isoformat()} of {update.step} must be "
                f"after the current one, {current.isoformat()}"
            )

    @workflow.update
    async def waive_step(self, update: WaiveStepUpdate) -> UpdateResult:
        await self._record(
            f"{update.step}/waived",
            StepWaived(year=self.plan.year, step=update.step, reason=update.reason.strip()),
            actor=update.actor,
        )
        self.state.waived.append(update.step)
        return UpdateResult(recorded=("StepWaived",))

    @waive_step.validator
    def _validate_waiver(self, update: WaiveStepUpdate) -> None:
        self._chair_team_only(update.actor, "waive a step")
        self._known_step(update.step)
        self._not_settled(update.step)
        if not update.reason.strip():
            raise ApplicationError(f"waiving {update.step} needs a reason")

    @workflow.query
    def status(self) -> CycleStatus:
        now = self.now()
        steps = tuple(self._step_status(step, now) for step in self.plan.steps)
        current = next((s.step for s in steps if s.state in ("open", "overdue")), None)
        overdue = tuple(sorted({who for s in steps if s.state == "overdue" for who in s.owed_by}))
        return CycleStatus(
            year=self.plan.year, chair=self.plan.chair, shepherd=self.plan.shepherd, now=now,
            current_step=current, overdue=overdue, steps=steps,
        )  # fmt: skip

    # -- who owes what ---------------------------------------------------------

    def owed(self, step: PlannedStep) -> list[str]:
        """Who still owes something now: no one once the step is approved or waived."""
        return [] if self._settled(step.step) else self.outstanding(step)

    def outstanding(self, step: PlannedStep) -> list[str]:
        """Who has not delivered. Approval discharges every step's obligation except the
        nominations, where each AMS that never submitted stays outstanding."""
        if step.step != NOMINATION_STEP and step.step in self.state.approved:
            return []
        if step.owed_by == "member_states":
            if step.step != NOMINATION_STEP:
                return [f"nr:{code}" for code in self.plan.member_states]
            return [f"nr:{c}" for c in self.plan.member_states if c not in self.state.submitted]
        if step.owed_by == "chair_of_ascn":
            return [f"nr:{self.plan.chair}"]
        if step.owed_by == "shepherd":
            return [f"shepherd:{self.plan.shepherd}"]
        return ["asec"]

    def _escalation_label(self, target: str) -> str:
        if target == "shepherd":
            return f"shepherd:{self.plan.shepherd}"
        if target == "chair_of_ascn":
            return f"chair_of_ascn:nr:{self.plan.chair}"
        return "jcm_report"

    def _step_status(self, step: PlannedStep, now: datetime) -> StepStatus:
        name = step.step
        state: StepState
        if name in self.state.waived:
            state = "waived"
        elif name in self.state.completed:
            state = "completed"
        elif name not in self.state.opened:
            state = "pending"
        else:
            state = "overdue" if now > self.deadline(name) and self.owed(step) else "open"
        return StepStatus(
            step=name, title=step.title, state=state, opens_at=step.opens_at,
            deadline=self.deadline(name), owed_by=tuple(self.owed(step)) if name in
            self.state.opened else (), escalated=tuple(self.state.escalated.get(name, [])),
        )  # fmt: skip

    # -- helpers ---------------------------------------------------------------

    def now(self) -> datetime:
        return workflow.now() + self.input.clock_offset

    def deadline(self, step: str) -> datetime:
        return self.state.deadlines[step]

    def _settled(self, step: str) -> bool:
        return step in self.state.approved or step in self.state.waived

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
            submitted_at=self.now(), deadline=self.deadline(NOMINATION_STEP),
            national_representative=update.national_representative, cities=update.cities,
        )  # fmt: skip

    def _nil_return(self, update: DeclareNilReturnUpdate) -> DeclareNilReturn:
        return DeclareNilReturn(
            year=self.plan.year, member_state=update.member_state, submitted_by=update.actor,
            submitted_at=self.now(), deadline=self.deadline(NOMINATION_STEP),
        )  # fmt: skip

    def _exception(self, update: GrantExceptionUpdate) -> GrantException:
        return GrantException(
            year=self.plan.year, member_state=update.member_state, granted_by=update.actor,
            exception_id=update.exception_id, rule=update.rule, max_cities=update.max_cities,
            reason=update.reason,
        )  # fmt: skip

    def _nominations_open(self, actor: Actor, member_state: str) -> None:
        if member_state not in self.state.ledgers:
            raise ApplicationError(
                f"{member_state} is not a member state of the {self.plan.year} cycle "
                f"({', '.join(self.plan.member_states)})"
            )
        if not actor.is_nr_of(member_state):
            raise ApplicationError(
                f"{actor.label} may not submit for {member_state}: only its NR "
                f"(nr:{member_state}) may"
            )
        if NOMINATION_STEP not in self.state.opened:
            raise ApplicationError(f"nominations for {self.plan.year} are not open yet")
        if NOMINATION_STEP in self.state.completed or self._settled(NOMINATION_STEP):
            raise ApplicationError(f"nominations for {self.plan.year} are closed")

    def _chair_team_only(self, actor: Actor, action: str) -> None:
        if not actor.is_chair_team:
            raise ApplicationError(
                f"{actor.label} may not {action}: only the Chair's team (chair_team) may"
            )

    def _known_step(self, name: str) -> PlannedStep:
        try:
            return self.plan.step(name)
        except KeyError as error:
            raise ApplicationError(str(error.args[0])) from None

    def _not_settled(self, name: str) -> None:
        if name in self.state.completed or self._settled(name):
            raise ApplicationError(f"step {name} is already approved, waived or completed")

    @staticmethod
    def _refuse_domain_errors(rule: Callable[[], object]) -> None:
        try:
            rule()
        except DomainError as error:
            raise ApplicationError(str(error), type=type(error).__name__) from None
