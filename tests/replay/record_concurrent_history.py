"""Record a short cycle that takes the rules behind ``one-effect-per-command``, to check in.

Commands sent at once (approvals, waivers and extensions racing each other, the same
nominations twice), an extension given as a date that moves a later step, and an
escalation before an extension: the replay test then checks that this code replays
its own patched branch. Run it only when that branch changes on purpose:
    .venv/bin/python -m tests.replay.record_concurrent_history
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import uuid
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from ascn.embedded import STARTUP_TIMEOUT, test_server_path
from domain.actors import Actor
from domain.reference import ReferenceData
from eventstore.engine import create_store_engine
from eventstore.schema import metadata
from eventstore.store import EventStore
from tests.sealing import SEAL_KEYS, SealingInterceptor
from tests.workflows.plans import DAY, cycle_input, nominate, three_step_plan
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import ApproveStepUpdate, ExtendDeadlineUpdate, WaiveStepUpdate

HISTORY = Path(__file__).parent / "histories" / "cycle-concurrent.json"
TEAM = [Actor.chair_team("SG", name) for name in ("alice", "bob")]


async def record() -> int:
    sealing = SealingInterceptor()
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(8) as pool:
        engine = create_store_engine(f"sqlite:///{folder}/record.db")
        metadata.create_all(engine)
        async with await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=test_server_path(),
            test_server_startup_timeout=STARTUP_TIMEOUT,
            data_converter=pydantic_data_converter, interceptors=[sealing],
        ) as env:  # fmt: skip
            sealing.clock = env.get_current_time
            worker = create_worker(
                env.client, EventStore(engine), ReferenceData.load(),
                task_queue=f"record-{uuid.uuid4().hex[:8]}", executor=pool,
                max_concurrent_activities=8, seal_keys=SEAL_KEYS,
            )  # fmt: skip
            async with worker:
                await run(env, worker.task_queue)
            history = await env.client.get_workflow_handle(workflow_id(2018)).fetch_history()
        engine.dispose()
    HISTORY.write_text(history.to_json())
    return len(history.events)


async def at_once(*calls: Awaitable[object]) -> None:
    """Send together; a refusal is an outcome, anything else stops the recording."""
    for outcome in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(outcome, BaseException) and not isinstance(
            outcome, WorkflowUpdateFailedError
        ):
            raise outcome


async def run(env: WorkflowEnvironment, task_queue: str) -> None:
    now = await env.get_current_time()
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(three_step_plan(now)), id=workflow_id(2018),
        task_queue=task_queue,
    )  # fmt: skip
    await env.sleep(2 * DAY)
    submit = nominate("SG", "Singapore")
    await at_once(*(handle.execute_update(CycleWorkflow.submit_nominations, submit)
                    for _ in range(3)))  # fmt: skip
    await env.sleep(19 * DAY)  # day 21: escalated to the shepherd at the deadline (day 20)
    later = (now + 25 * DAY).date()
    extend = [
        ExtendDeadlineUpdate(actor=TEAM[0], step="nomination_deadline", new_deadline=to,
                             reason="the SOM moved", move_later_steps=True)
        for to in (later, later + timedelta(days=20))
    ]  # fmt: skip
    await at_once(*(handle.execute_update(CycleWorkflow.extend_deadline, e) for e in extend))
    await env.sleep(10 * DAY)
    step = "nomination_deadline"
    await at_once(
        *(handle.execute_update(CycleWorkflow.approve_step, ApproveStepUpdate(actor=a, step=step))
          for a in TEAM),
        handle.execute_update(CycleWorkflow.waive_step,
                              WaiveStepUpdate(actor=TEAM[1], step=step, reason="online")),
        *(handle.execute_update(CycleWorkflow.waive_step,
                                WaiveStepUpdate(actor=a, step="summit", reason="online"))
          for a in TEAM),
    )  # fmt: skip
    await env.sleep(30 * DAY)
    with contextlib.suppress(WorkflowUpdateFailedError):
        await handle.execute_update(
            CycleWorkflow.approve_step, ApproveStepUpdate(actor=TEAM[0], step="annual_meeting")
        )
    await handle.result()


if __name__ == "__main__":
    print(f"recorded {asyncio.run(record())} events to {HISTORY}")
