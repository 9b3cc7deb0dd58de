"""The baseline for ``cycle_overhead``: a cycle's shape with nothing recorded.

It runs as many activities as a recorded cycle, in the same places (so many before
each approval, one inside each approval's handler, so many at the end), and waits
for the same approvals. Each activity does nothing.
"""

from __future__ import annotations

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


@activity.defn(name="bare_noop")
def noop() -> None:
    return None


@workflow.defn(name="BareCycle")
class BareCycle:
    def __init__(self) -> None:
        self.awaiting: int | None = None
        self.approved: set[int] = set()

    @workflow.run
    async def run(self, shape: BareShape) -> int:
        for index, count in enumerate(shape.before_each):
            await self._noops(count)
            self.awaiting = index
            await workflow.wait_condition(lambda: self.awaiting in self.approved)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._noops(shape.after)
        return len(self.approved)

    @workflow.update
    async def approve(self, index: int) -> None:
        await self._noops(1)
        self.approved.add(index)

    @approve.validator
    def _validate_approval(self, index: int) -> None:
        if self.awaiting != index or index in self.approved:
            raise ApplicationError(f"step {index} is not awaiting approval")

    async def _noops(self, count: int) -> None:
        for _ in range(count):
            await workflow.execute_activity(
                noop, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY
            )
