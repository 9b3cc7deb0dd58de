"""A store that stays down: activities stop retrying, callers are answered, the cycle waits.

Retrying an activity for ever kept an update's caller, every command queued behind it
and the cycle's completion waiting for ever. Now an activity gives up after
RECORD_WITHIN: a person's command fails saying it was not recorded, and the cycle's own
facts are tried again later, so the cycle goes on once the store is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore.records import NewEvent
from eventstore.store import AppendResult, EventStore
from tests.sealing import SEAL_KEYS
from tests.workflows.plans import CHAIR_TEAM, DAY, cycle_input, two_step_plan
from workers.worker import create_worker
from workflows.core import RECORD_AGAIN_AFTER, RECORD_WITHIN
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import ApproveStepUpdate, CycleStatus, WaiveStepUpdate

Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
MINUTE = timedelta(minutes=1)


class FlakyStore(EventStore):
    """Refuses every append while ``down``, as a database that does not answer."""

    down = False

    def append(
        self, stream_id: str, new_events: Sequence[NewEvent], *, expected_version: int | None
    ) -> AppendResult:
        if self.down:
            raise OperationalError("INSERT", {}, Exception("the database does not answer"))
        return super().append(stream_id, new_events, expected_version=expected_version)


@pytest.fixture
def flaky(engine: Engine) -> FlakyStore:
    return FlakyStore(engine)


@pytest.fixture
async def flaky_worker(
    env: WorkflowEnvironment, flaky: FlakyStore, executor: ThreadPoolExecutor, task_queue: str
) -> AsyncIterator[Worker]:
    worker = create_worker(
        env.client, flaky, ReferenceData.load(), task_queue=task_queue, executor=executor,
        max_concurrent_activities=8, seal_keys=SEAL_KEYS,
    )  # fmt: skip
    async with worker:
        yield worker


async def accepted(handle: Handle, call: Any, update: Any) -> WorkflowUpdateHandle[Any]:
    """Sent and taken by the cycle (its handler runs), before any time is skipped."""
    return await handle.start_update(call, update, wait_for_stage=WorkflowUpdateStage.ACCEPTED)


async def refusal(update: WorkflowUpdateHandle[Any]) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await asyncio.wait_for(update.result(), 10)
    return str(refused.value.cause)


async def test_commands_during_a_long_outage_are_answered_and_the_cycle_goes_on(
    env: WorkflowEnvironment, flaky_worker: Worker, flaky: FlakyStore
) -> None:
    now = await env.get_current_time()
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(two_step_plan(now)), id=workflow_id(2018),
        task_queue=flaky_worker.task_queue,
    )  # fmt: skip
    await env.sleep(2 * DAY)
    flaky.down = True
    approval = ApproveStepUpdate(actor=CHAIR_TEAM, step="nomination_deadline")

    # A person's command: its activity gives up after RECORD_WITHIN, and it is answered.
    first = await accepted(handle, CycleWorkflow.approve_step, approval)
    await env.sleep(RECORD_WITHIN + MINUTE)
    assert "could not be recorded" in await refusal(first)
    # Not recorded, so not approved.
    assert (await handle.query(CycleWorkflow.status)).steps[0].state == "open"

    # The reminder T-14 (day 6) cannot be recorded either: the cycle keeps trying, and a
    # command queued behind it is answered after RECORD_WITHIN instead of waiting too.
    await env.sleep(4 * DAY + RECORD_WITHIN)
    waiver = WaiveStepUpdate(actor=CHAIR_TEAM, step="annual_meeting", reason="held online")
    queued = await accepted(handle, CycleWorkflow.waive_step, waiver)
    await env.sleep(RECORD_WITHIN + MINUTE)
    assert "waited 0:10:00 for the event store" in await refusal(queued)

    flaky.down = False
    await env.sleep(RECORD_AGAIN_AFTER + RECORD_WITHIN)
    await handle.execute_update(CycleWorkflow.approve_step, approval)
    await handle.execute_update(CycleWorkflow.waive_step, waiver)
    await asyncio.wait_for(handle.result(), 30)

    facts = [e.type for e in flaky.read_stream(cycle_stream(2018))]
    assert (facts.count("StepApproved"), facts.count("StepWaived")) == (1, 1)
    assert "ReminderSent" in facts  # recorded once the store was back
    assert facts[-1] == "CycleCompleted"
