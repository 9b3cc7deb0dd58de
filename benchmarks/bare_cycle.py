"""The baseline for ``cycle_overhead``: a cycle's shape with nothing recorded.

It runs as many activities as a recorded cycle, in the same places (so many before
each approval, one inside each approval's handler, so many at the end), and waits
for the same approvals: like the cycle's step loop, with a timer that the approval
cancels, unless the approval came in before the wait began. Each activity does nothing, but its
input and result, the workflow's input and result and each approval's input and
result are padded to the sizes the recorded cycle's history shows, so the bare
workflows move as many bytes through Temporal. What is left to compare is the
recording: the store, its queries and the domain logic around them.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from pydantic import BaseModel, ConfigDict
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

# The cycle's own activity options.
ACTIVITY_TIMEOUT = timedelta(minutes=1)
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


class BareShape(BaseModel):
    model_config = ConfigDict(frozen=True)

    before_each: tuple[int, ...]
    """Activities before each approval is awaited; one entry per approval."""
    after: int
    """Activities after the last approval."""
    activity_padding: tuple[tuple[int, int], ...] = ()
    """(input padding, result size) of each activity, in the order they are scheduled."""
    approval_result: tuple[int, ...] = ()
    """Characters each approval returns, by approval."""
    result: int = 0
    """Characters the workflow returns."""
    wait_timeout: timedelta | None = None
    """Wait for each approval with this timeout: a timer, cancelled by the approval."""
    ballast: str = ""
    """Pads this input to the size of the recorded cycle's input."""


class Ballast(BaseModel):
    model_config = ConfigDict(frozen=True)

    data: str = ""
    result: int = 0


class BareApproval(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    ballast: str = ""


@activity.defn(name="bare_noop")
def noop(ballast: Ballast) -> str:
    return "x" * ballast.result


@workflow.defn(name="BareCycle")
class BareCycle:
    def __init__(self) -> None:
        self.awaiting: int | None = None
        self.approved: set[int] = set()
        self.scheduled = 0
        self.shape: BareShape | None = None

    @workflow.run
    async def run(self, shape: BareShape) -> str:
        self.shape = shape
        for index, count in enumerate(shape.before_each):
            await self._noops(count - 1)
            # Like a step, it opens before its last activity (StepOpened) runs, so an
            # approval may come in meanwhile; then, as in the cycle, no timer is needed.
            self.awaiting = index
            await self._noops(1)
            if index not in self.approved:
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self.awaiting in self.approved, timeout=shape.wait_timeout
                    )
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._noops(shape.after)
        return "x" * shape.result

    @workflow.update
    async def approve(self, approval: BareApproval) -> str:
        await self._noops(1)
        self.approved.add(approval.index)
        sizes = self.shape.approval_result if self.shape else ()
        return "x" * (sizes[approval.index] if approval.index < len(sizes) else 0)

    @approve.validator
    def _validate_approval(self, approval: BareApproval) -> None:
        if self.awaiting != approval.index or approval.index in self.approved:
            raise ApplicationError(f"step {approval.index} is not awaiting approval")

    async def _noops(self, count: int) -> None:
        padding = self.shape.activity_padding if self.shape else ()
        for _ in range(count):
            data, result = padding[self.scheduled] if self.scheduled < len(padding) else (0, 0)
            self.scheduled += 1
            await workflow.execute_activity(
                noop, Ballast(data="x" * data, result=result),
                start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
            )  # fmt: skip
