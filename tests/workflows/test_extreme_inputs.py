"""No input that passes a validator, and no date in a plan, can fail a workflow task.

A failed workflow task is retried by Temporal forever: every later query and update
then fails too, and restarting the worker does not help. So the cycle must either
refuse an input at its validator or handle it; these tests send extreme inputs and
then check that the cycle still answers its ``status`` query and still accepts a
corrective command.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.calendar import CyclePlan
from domain.streams import cycle_stream
from eventstore.store import EventStore
from tests.workflows.plans import CHAIR_TEAM, DAY, cycle_input, step, three_step_plan
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    CycleStatus,
    ExtendDeadlineUpdate,
    WaiveStepUpdate,
)

Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
ANSWER = 15.0
"""Seconds: a cycle whose tasks fail never answers; a healthy one answers at once."""
END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=14)))


async def still_answers(handle: Handle) -> CycleStatus:
    return await asyncio.wait_for(handle.query(CycleWorkflow.status), ANSWER)


async def extend(handle: Handle, step_name: str, to: datetime, reason: str = "moved") -> None:
    update = ExtendDeadlineUpdate(actor=CHAIR_TEAM, step=step_name, new_deadline=to, reason=reason)
    await asyncio.wait_for(handle.execute_update(CycleWorkflow.extend_deadline, update), ANSWER)


async def test_an_extension_to_the_end_of_time_is_refused_and_the_cycle_goes_on(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    now = await env.get_current_time()
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(three_step_plan(now)), id=workflow_id(2018),
        task_queue=worker.task_queue,
    )  # fmt: skip
    await env.sleep(2 * DAY)

    try:
        await extend(handle, "summit", END_OF_TIME)
        refusal = None
    except WorkflowUpdateFailedError as error:
        refusal = str(error.cause)
    # The step opens on day 50: its escalation times are computed then.
    await handle.execute_update(
        CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step="nomination_deadline")
    )
    await handle.execute_update(
        CycleWorkflow.waive_step,
        WaiveStepUpdate(actor=CHAIR_TEAM, step="annual_meeting", reason="held with the SOM"),
    )
    await env.sleep(52 * DAY)

    assert refusal is not None
    assert "beyond" in refusal
    status = await still_answers(handle)
    assert status.current_step == "summit"
    await extend(handle, "summit", status.steps[2].deadline + DAY, "a sane extension")
    assert (await still_answers(handle)).steps[2].deadline == status.steps[2].deadline + DAY
    assert "StepOpened" in {e.type for e in store.read_stream(cycle_stream(2018))}


async def test_a_plan_with_the_first_and_last_instants_cannot_crash_a_task(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    """Reminders before a deadline at the start of time, escalations after one at its
    end: the arithmetic stops at the ends of the calendar instead of overflowing."""
    now = await env.get_current_time()
    dawn = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    dusk = datetime.max.replace(tzinfo=timezone(timedelta(hours=-12)))
    plan = CyclePlan(
        year=2018, template="test", zone="Asia/Singapore", chair="SG", shepherd="SG",
        member_states=("SG", "MY"),
        steps=(step("nomination_deadline", "member_states", now + DAY, dusk),
               step("annual_meeting", "chair_of_ascn", now + 2 * DAY, dawn)),
    )  # fmt: skip
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(plan), id=workflow_id(2018), task_queue=worker.task_queue
    )
    await env.sleep(3 * DAY)
    assert (await still_answers(handle)).current_step == "nomination_deadline"

    for name in ("nomination_deadline", "annual_meeting"):
        await asyncio.wait_for(
            handle.execute_update(
                CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step=name)
            ),
            ANSWER,
        )
        await env.sleep(DAY)
    status = await asyncio.wait_for(handle.result(), ANSWER)

    assert [s.state for s in status.steps] == ["completed", "completed"]
    escalated = [e.data["rung"] for e in store.read_stream(cycle_stream(2018))
                 if e.type == "StepEscalated"]  # fmt: skip
    assert escalated == ["deadline", "deadline+7d", "deadline+14d"]  # the one at dawn
