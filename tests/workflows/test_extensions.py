"""Extending a deadline: the window it may move in, later steps, escalations, time zones."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.streams import cycle_stream
from eventstore.store import EventStore
from tests.workflows.plans import CHAIR_TEAM, DAY, start_cycle
from workflows.cycle import CycleWorkflow
from workflows.messages import CycleStatus, ExtendDeadlineUpdate

Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
NOMINATIONS, MEETING = "nomination_deadline", "annual_meeting"
SINGAPORE = ZoneInfo("Asia/Singapore")  # the test plan's zone


def extension(to: datetime | date, *, move_later_steps: bool = False) -> ExtendDeadlineUpdate:
    return ExtendDeadlineUpdate(
        actor=CHAIR_TEAM, step=NOMINATIONS, new_deadline=to, reason="the SOM moved",
        move_later_steps=move_later_steps,
    )  # fmt: skip


async def refusal(handle: Handle, update: ExtendDeadlineUpdate) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(CycleWorkflow.extend_deadline, update)
    return str(raised.value.cause)


def extended(store: EventStore) -> list[tuple[str, str, str]]:
    """(step, new deadline as stored, reason) of each DeadlineExtended, in order."""
    return [
        (str(e.data["step"]), str(e.data["new_deadline"]), str(e.data["reason"]))
        for e in store.read_stream(cycle_stream(2018))
        if e.type == "DeadlineExtended"
    ]


async def test_a_deadline_already_past_is_refused(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker)
    await env.sleep(25 * DAY)  # day 27: the deadline (day 20) has passed

    message = await refusal(handle, extension(t0 + 23 * DAY))  # after day 20, before now

    assert "already past" in message
    assert extended(store) == []


async def test_a_deadline_past_a_later_steps_needs_that_step_moved_too(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker)
    beyond_the_meeting = t0 + 45 * DAY

    message = await refusal(handle, extension(beyond_the_meeting))
    assert f"after the deadline of the later step {MEETING}" in message
    assert "move_later_steps" in message
    await handle.execute_update(
        CycleWorkflow.extend_deadline, extension(beyond_the_meeting, move_later_steps=True)
    )

    status = await handle.query(CycleWorkflow.status)
    assert [s.deadline for s in status.steps] == [beyond_the_meeting] * 2
    stored = beyond_the_meeting.astimezone(SINGAPORE).isoformat()
    assert extended(store) == [(NOMINATIONS, stored, "the SOM moved"),
                               (MEETING, stored, "the SOM moved")]  # fmt: skip


async def test_a_rung_already_escalated_is_not_sent_again_after_an_extension(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker)
    await env.sleep(20 * DAY)  # day 22: escalated to the shepherd at the deadline (day 20)

    await handle.execute_update(CycleWorkflow.extend_deadline, extension(t0 + 25 * DAY))
    await env.sleep(13 * DAY)  # day 35: past the new deadline, and the new deadline + 7 days

    escalations = [
        (e.data["rung"], e.data["escalated_to"])
        for e in store.read_stream(cycle_stream(2018))
        if e.type == "StepEscalated"
    ]
    # The shepherd was told once, at the old deadline; the next rung follows the new one.
    assert escalations == [("deadline", "shepherd:SG"), ("deadline+7d", "chair_of_ascn:nr:SG")]
    status = await handle.query(CycleWorkflow.status)
    assert status.steps[0].escalated == ("deadline", "deadline+7d")


async def test_a_plain_date_is_the_end_of_that_day_in_the_calendars_zone(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker)
    day = (t0 + 25 * DAY).astimezone(SINGAPORE).date()

    await handle.execute_update(CycleWorkflow.extend_deadline, extension(day))

    end_of_day = datetime.combine(day, datetime.max.time(), tzinfo=SINGAPORE)
    status = await handle.query(CycleWorkflow.status)
    assert status.steps[0].deadline == end_of_day
    assert extended(store) == [(NOMINATIONS, end_of_day.isoformat(), "the SOM moved")]
    assert end_of_day.isoformat().endswith("+08:00")


async def test_a_deadline_given_in_another_offset_is_kept_in_the_calendars_zone(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker)
    in_new_york = (t0 + 25 * DAY).astimezone(ZoneInfo("America/New_York"))

    await handle.execute_update(CycleWorkflow.extend_deadline, extension(in_new_york))

    status = await handle.query(CycleWorkflow.status)
    assert status.steps[0].deadline == in_new_york  # the same instant...
    assert status.steps[0].deadline.utcoffset() == timedelta(hours=8)  # ...in Singapore
    ((_, stored, _),) = extended(store)
    assert stored == in_new_york.astimezone(SINGAPORE).isoformat()
    assert stored.endswith("+08:00")


def test_a_seal_made_before_move_later_steps_existed_still_matches() -> None:
    """Services not yet upgraded seal an extension without the field: the cycle, which
    reads it as False, must check the seal over the same payload."""
    sent = {"actor": CHAIR_TEAM.model_dump(mode="json"), "step": NOMINATIONS,
            "new_deadline": "2027-03-10T23:59:59+07:00", "reason": "the SOM moved"}  # fmt: skip
    received = ExtendDeadlineUpdate.model_validate(sent)

    assert received.sealed_payload() == sent
    moved = received.model_copy(update={"move_later_steps": True})
    assert moved.sealed_payload() == {**sent, "move_later_steps": True}
