"""The Chair's team's decisions on steps: approve, waive, extend (update handlers).

Each validator checks the seal, the access policy and the rule; each handler then takes
the ``steps`` lock, checks the rule again (a command that ran first may have settled the
step or moved its deadline), marks the decision in the workflow's state before its fact
is recorded, and undoes the mark if the fact cannot be recorded. So of two approvals
sent at once, one is recorded and the other is refused, naming who approved and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.access import Action
    from domain.events import DeadlineExtended, DomainEvent, StepApproved, StepWaived
    from workflows import guards
    from workflows.core import CycleCore
    from workflows.messages import (
        ApproveStepUpdate,
        ExtendDeadlineUpdate,
        StepDecision,
        UpdateResult,
        WaiveStepUpdate,
    )


class StepDecisions(CycleCore):
    @workflow.update
    async def approve_step(self, update: ApproveStepUpdate) -> UpdateResult:
        self.accept(update)
        fact = StepApproved(year=self.plan.year, step=update.step)
        await self._settle(update, "approved", fact)
        return UpdateResult(recorded=("StepApproved",))

    @approve_step.validator
    def _validate_approval(self, update: ApproveStepUpdate) -> None:
        step = self.admit_on_step(update, "approve_step", Action.APPROVE_STEP)
        if step.step not in self.state.opened:
            raise ApplicationError(f"step {step.step} has not opened yet: {self.opening(step)}")
        guards.not_settled(self.progress, step.step)
        guards.approvable(self.progress, step.step)

    @workflow.update
    async def waive_step(self, update: WaiveStepUpdate) -> UpdateResult:
        self.accept(update)
        fact = StepWaived(year=self.plan.year, step=update.step, reason=update.reason.strip())
        await self._settle(update, "waived", fact)
        return UpdateResult(recorded=("StepWaived",))

    @waive_step.validator
    def _validate_waiver(self, update: WaiveStepUpdate) -> None:
        self.admit_on_step(update, "waive_step", Action.WAIVE_STEP)
        guards.not_settled(self.progress, update.step)
        guards.needs_reason(update.reason, f"waiving {update.step}")

    async def _settle(
        self,
        update: ApproveStepUpdate | WaiveStepUpdate,
        kind: Literal["approved", "waived"],
        fact: DomainEvent,
    ) -> None:
        """Approve or waive: decided at once, recorded in turn, undone if not recorded.
        The step counts as settled (and the main line goes on) only once recorded, so
        its StepCompleted always follows its StepApproved in the stream."""
        name = update.step
        async with self.one_at_a_time(self.steps):
            self.recheck(lambda: guards.not_settled(self.progress, name))
            self.state.decided[name] = StepDecision(kind=kind, by=update.actor.label, at=self.now())
            try:
                await self.record(f"{name}/{kind}", fact, actor=update.actor)
            except ApplicationError:
                del self.state.decided[name]
                raise
            (self.state.approved if kind == "approved" else self.state.waived).append(name)

    @workflow.update
    async def extend_deadline(self, update: ExtendDeadlineUpdate) -> UpdateResult:
        self.accept(update)
        async with self.one_at_a_time(self.steps):
            new, moved = self._extension(update)
            previous = {name: self.deadline(name) for name in (update.step, *moved)}
            # The deadlines move, and the step loop wakes, before anything is recorded,
            # so the timers follow the new deadline from this workflow task on.
            for name in previous:
                self.state.deadlines[name] = new
            last = self.state.extended.get(update.step)
            self.state.extended[update.step] = StepDecision(
                kind="extended", by=update.actor.label, at=self.now()
            )
            self.woken = True
            recorded: list[str] = []
            for name, before in previous.items():
                fact = DeadlineExtended(
                    year=self.plan.year, step=name, previous_deadline=before,
                    new_deadline=new, reason=update.reason.strip(),
                )  # fmt: skip
                try:
                    await self.record(f"{name}/extended/{new.isoformat()}", fact,
                                      actor=update.actor)  # fmt: skip
                except ApplicationError:
                    for undone in list(previous)[len(recorded) :]:
                        self.state.deadlines[undone] = previous[undone]
                    if not recorded:
                        self._forget_extension(update.step, last)
                    self.woken = True
                    raise
                recorded.append("DeadlineExtended")
        return UpdateResult(recorded=tuple(recorded))

    def _forget_extension(self, name: str, last: StepDecision | None) -> None:
        if last is None:
            self.state.extended.pop(name, None)
        else:
            self.state.extended[name] = last

    @extend_deadline.validator
    def _validate_extension(self, update: ExtendDeadlineUpdate) -> None:
        self.admit_on_step(update, "extend_deadline", Action.EXTEND_DEADLINE)
        guards.not_settled(self.progress, update.step)
        guards.needs_reason(update.reason, f"extending {update.step}")
        guards.extension(self.progress, update, self.now())

    def _extension(self, update: ExtendDeadlineUpdate) -> tuple[datetime, tuple[str, ...]]:
        """The validator's rule again, under the lock. A cycle recorded before that rule
        keeps the deadline as it was given and moves no other step."""
        given = update.new_deadline
        try:
            guards.not_settled(self.progress, update.step)
            new, moved = guards.extension(self.progress, update, self.now())
        except ApplicationError:
            if self.new_rules() or not isinstance(given, datetime):
                raise
            return given, ()
        if isinstance(given, datetime) and new.isoformat() != given.isoformat():
            # Kept in the calendar's zone: the fact's id derives from it, so only cycles
            # that take the new rules do so.
            return (new, moved) if self.new_rules() else (given, moved)
        return new, moved
