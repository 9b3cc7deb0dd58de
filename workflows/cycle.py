"""One ASCN cycle year as a durable workflow (workflow id ``ascn-cycle-<year>``).

Each step opens, reminds whoever still owes something, escalates up the ladder
once its deadline passes, waits for the Chair's team to approve (or waive) it,
and completes. Human input arrives as updates (``workflows.nominating``,
``workflows.deciding``) whose validators run the domain's own rules, so a refused
command is answered at once and never reaches history. Every fact goes to the
event store through an activity; this module does no I/O.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.cycle import CycleActivities, Ledgers, LoadLedgersRequest
    from activities.ledger import CheckpointRequest, LedgerActivities
    from domain.calendar import PlannedStep
    from domain.events import (
        CycleCompleted,
        CycleOpened,
        DomainEvent,
        Noted,
        ReminderSent,
        StepCompleted,
        StepEscalated,
        StepOpened,
    )
    from domain.planning import planned
    from domain.report_versions import REPORT_DRAFT_STEP
    from workflows.chain import CHAIN_PATCH, ChainDecisions
    from workflows.core import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, RECORD_AGAIN_AFTER, SYSTEM
    from workflows.deciding import StepDecisions
    from workflows.membership import MembershipDecisions
    from workflows.messages import CycleInput, CycleStatus
    from workflows.nominating import NominationDecisions
    from workflows.progress import NOMINATION_STEP
    from workflows.reporting import REPORT_VERSIONS_PATCH, ReportVersions

# Marks the runs whose reminders and escalations go out at civil hours.
CIVIL_HOURS_PATCH = "civil-hours"

__all__ = ["ACTIVITY_RETRY", "ACTIVITY_TIMEOUT", "CYCLE_ID_REUSE", "SYSTEM", "CycleWorkflow"]

# One cycle a year, ever: a closed cycle's id is never reused, whatever ended it, because
# a second run would record facts whose ids collide with the first run's.
CYCLE_ID_REUSE = WorkflowIDReusePolicy.REJECT_DUPLICATE
# Cycles from this patch on sign a ledger checkpoint after every completed step and at
# the end; cycles started before it replay without (README: "Changing the workflow").
LEDGER_CHECKPOINT_PATCH = "ledger-checkpoint"
# A checkpoint is worth a short wait, not a stalled cycle: after this the step goes on
# without one, and the next completed step (or `ascn ledger checkpoint`) signs the tree.
CHECKPOINT_WITHIN = timedelta(minutes=2)


def workflow_id(year: int) -> str:
    return f"ascn-cycle-{year}"


@workflow.defn(name="AscnCycle")
class CycleWorkflow(
    NominationDecisions, StepDecisions, ChainDecisions, ReportVersions, MembershipDecisions
):
    @workflow.init
    def __init__(self, cycle: CycleInput) -> None:
        self._init_core(cycle)

    # -- the main line -------------------------------------------------------

    @workflow.run
    async def run(self, cycle: CycleInput) -> CycleStatus:
        # Reminders at 09:00 on their readers' working days, when the plan carries them
        # (asked only then, so a history recorded before replays as it ran).
        if self.plan.civil is not None and workflow.patched(CIVIL_HOURS_PATCH):
            self.progress.civil = self.plan.civil
        # People record each body's decision, and the JCM submission needs its two
        # submitters; cycles that started before replay as they ran (and take it on their
        # next run after continue-as-new).
        if not self.state.people_decide and workflow.patched(CHAIN_PATCH):
            self.state.people_decide = True
        # ASEC drafts versions of the report, and the JCM submission and the decisions
        # after it name one. Asked only of a plan with the step, so that a history
        # recorded before it (whose plan has none) replays as it ran.
        if (
            self.state.people_decide
            and not self.state.report_versions
            and any(step.step == REPORT_DRAFT_STEP for step in self.plan.steps)
            and workflow.patched(REPORT_VERSIONS_PATCH)
        ):
            self.state.report_versions = True
        if not self.state.ledgers_loaded:
            await self._load_ledgers()
        if not self.state.started:
            self.state.started = True
            await self.record(
                "cycle-opened",
                CycleOpened(year=self.plan.year, chair=self.plan.chair,
                            shepherd=self.plan.shepherd, template=self.plan.template),
            )  # fmt: skip
            # The whole plan on record from the first day, so the status and the calendar
            # feeds show every step before it opens; cycles started before it replay without.
            if workflow.patched("record-plan"):
                await self.record("cycle-planned", planned(self.plan))
        while self.state.next_step < len(self.plan.steps):
            await self._run_step(self.plan.steps[self.state.next_step])
            self.state.next_step += 1
            if self._history_is_long() and self.state.next_step < len(self.plan.steps):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(cycle.model_copy(update={"state": self.state}))
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.record("cycle-completed", CycleCompleted(year=self.plan.year))
        await self._checkpoint("cycle-completed")
        return self.status()

    async def _run_step(self, step: PlannedStep) -> None:
        name = step.step
        if name not in self.state.opened:
            await self.sleep_until(step.opens_at, lambda: self.progress.settled(name))
            if name in self.state.waived:
                return await self._complete(step)
            self.state.opened[name] = self.now()
            self.state.processed_until[name] = self.now()
            await self.record(
                f"{name}/opened",
                StepOpened(year=self.plan.year, step=name, deadline=self.deadline(name)),
            )
            workflow.logger.info("step opened", extra={"step": name})
            self.publish()
        while not self.progress.settled(name):
            await self._act_on_due(step)
            due = self.progress.next_due(name)
            self.woken = False

            def wake() -> bool:
                return self.progress.settled(name) or self.woken

            if due is None:
                await workflow.wait_condition(wake)
            else:
                await self.sleep_until(due, wake)
        await self._complete(step)

    async def _complete(self, step: PlannedStep) -> None:
        name = step.step
        if name in self.state.completed:
            return
        # Returns already taken when the nominations were approved are recorded first,
        # so the step's outstanding list counts them.
        if name == NOMINATION_STEP and self.nominations_in_flight() and self.new_rules():
            await workflow.wait_condition(lambda: not self.nominations_in_flight())
        waived = name in self.state.waived
        outstanding = () if waived else tuple(self.progress.outstanding(step))
        if step.noted_by and not waived and not self.state.people_decide:
            await self.record(
                f"{name}/noted",
                Noted(year=self.plan.year, body=step.noted_by, decision=step.decision),
            )
        await self.record(
            f"{name}/completed",
            StepCompleted(year=self.plan.year, step=name, outstanding=outstanding),
        )
        self.state.completed.append(name)
        workflow.logger.info("step completed", extra={"step": name})
        self.publish()
        await self._checkpoint(f"{name}/completed")

    async def _act_on_due(self, step: PlannedStep) -> None:
        """Send the reminders and escalations whose time has come since the last look."""
        name, now = step.step, self.now()
        deadline = self.deadline(name).isoformat()
        due = self.progress.due(name, now)
        if due != (as_before := self.progress.due(name, now, once_per_rung=False)):
            due = due if self.new_rules() else as_before
        for rung, at, target in due:
            if self.deadline(name).isoformat() != deadline and self.new_rules():
                return  # extended meanwhile: look again, from the same point, at the new one
            owed = tuple(self.progress.owed(step))
            if target is None and self.progress.civil is not None:
                owed = self.progress.reminded_at(name, rung, at, owed)
            if not owed:
                continue
            key = f"{name}/{rung}/{deadline}"
            if target is None and self.progress.civil is not None:
                key = f"{key}/{at.isoformat()}"  # one reminder per reader's civil hour
            if target is None:
                fact: DomainEvent = ReminderSent(
                    year=self.plan.year, step=name, rung=rung, recipients=owed
                )
                await self.record(f"{key}/reminder", fact)
            else:
                self.state.fired.append(self.progress.fire_key(name, rung))
                self.state.escalated.setdefault(name, []).append(rung)
                fact = StepEscalated(
                    year=self.plan.year, step=name, rung=rung,
                    escalated_to=self.progress.escalation_label(target), outstanding=owed,
                )  # fmt: skip
                await self.record(f"{key}/escalated", fact)
                self.publish()
        self.state.processed_until[name] = now

    @workflow.query
    def status(self) -> CycleStatus:
        return self.progress.status(self.now())

    # -- helpers ---------------------------------------------------------------

    async def _load_ledgers(self) -> None:
        request = LoadLedgersRequest(member_states=self.plan.member_states)
        while True:
            try:
                loaded: Ledgers = await self.execute(CycleActivities.load_ledgers, request)
                break
            except ActivityError:  # the store stayed down: the cycle waits, never fails
                workflow.logger.warning("ledgers not loaded; trying again")
                await workflow.sleep(RECORD_AGAIN_AFTER)
        self.state.ledgers = dict(loaded.ledgers)
        if loaded.membership is not None:
            self.state.membership = loaded.membership
        self.state.ledgers_loaded = True

    async def _checkpoint(self, after: str) -> None:
        """A signed ledger checkpoint that covers the fact ``after`` just recorded."""
        if not workflow.patched(LEDGER_CHECKPOINT_PATCH):
            return
        request = CheckpointRequest(idempotency_key=f"{workflow.info().workflow_id}/{after}")
        try:
            await workflow.execute_activity_method(
                LedgerActivities.make_checkpoint, request, start_to_close_timeout=ACTIVITY_TIMEOUT,
                schedule_to_close_timeout=CHECKPOINT_WITHIN, retry_policy=ACTIVITY_RETRY,
            )  # fmt: skip
        except ActivityError:
            workflow.logger.warning("no ledger checkpoint this time", extra={"after": after})

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self.input.continue_as_new_after
        )
