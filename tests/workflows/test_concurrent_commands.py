"""Commands sent at once: one effect in the store, and a clear answer for every caller.

Each test sends 2, 10 or 50 copies of a command (or a mix of two) to the cycle at the
same moment, as people clicking twice or at the same time would. Exactly one of them
changes the cycle; the store holds that one fact, the workflow's status agrees with
it, and every other caller is refused with a message saying what happened, within
``ANSWER_WITHIN`` of wall time (never a timeout, never a retry that goes on forever).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.streams import cycle_stream, nominations_stream
from eventstore.store import EventStore
from tests.workflows.plans import DAY, nominate, start_cycle
from workflows.cycle import CycleWorkflow
from workflows.messages import (
    ApproveStepUpdate,
    CycleStatus,
    ExtendDeadlineUpdate,
    GrantExceptionUpdate,
    WaiveStepUpdate,
)

Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
ANSWER_WITHIN = 2.0
"""Seconds of wall time in which every caller has its answer."""
GIVE_UP = 20.0
"""A caller still waiting after this long never gets an answer (the defect)."""
SIZES = [2, 10, 50]
# Members of the 2018 Chair's team (Singapore): approvals by different people collide.
TEAM = tuple(Actor.chair_team("SG", name) for name in ("alice", "bob", "chen", "devi"))


def member(i: int) -> Actor:
    return TEAM[i % len(TEAM)]


@dataclass
class Answer:
    seconds: float
    result: Any = None
    refusal: str | None = None


async def timed(call: Callable[[], Awaitable[Any]], started: float) -> Answer:
    try:
        result = await asyncio.wait_for(call(), GIVE_UP)
    except WorkflowUpdateFailedError as error:
        return Answer(time.monotonic() - started, refusal=str(error.cause))
    except TimeoutError:
        return Answer(time.monotonic() - started, refusal="<no answer: timed out>")
    return Answer(time.monotonic() - started, result=result)


async def all_at_once(calls: list[Callable[[], Awaitable[Any]]]) -> list[Answer]:
    started = time.monotonic()
    return list(await asyncio.gather(*(timed(call, started) for call in calls)))


async def sent_at_once(handle: Handle, update: Any, messages: list[Any]) -> list[Answer]:
    """Each of ``messages`` sent as ``update`` to the cycle, all at the same moment."""
    return await all_at_once([partial(handle.execute_update, update, m) for m in messages])


def facts(store: EventStore, stream: str = cycle_stream(2018)) -> Counter[str]:
    return Counter(e.type for e in store.read_stream(stream))


def one_accepted(answers: list[Answer], *refusal_says: str) -> None:
    """One caller got a result; every other one a refusal saying all of ``refusal_says``,
    and nobody waited longer than ANSWER_WITHIN."""
    accepted = [a for a in answers if a.refusal is None]
    refused = [a.refusal for a in answers if a.refusal is not None]
    assert len(accepted) == 1, f"{len(accepted)} accepted; refusals: {Counter(refused)}"
    for refusal in refused:
        assert all(part in str(refusal) for part in refusal_says), refusal
    slowest = max(a.seconds for a in answers)
    assert slowest < ANSWER_WITHIN, f"the slowest caller waited {slowest:.2f} s"


async def status_when(handle: Handle, settled: Callable[[CycleStatus], bool]) -> CycleStatus:
    """The status once the cycle's main line has caught up (it completes a step after
    the approval's handler returned)."""
    for _ in range(100):
        status = await handle.query(CycleWorkflow.status)
        if settled(status):
            return status
        await asyncio.sleep(0.05)
    return status


@pytest.mark.parametrize("size", SIZES)
async def test_approvals_at_once_approve_the_step_once(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, size: int
) -> None:
    handle, _ = await start_cycle(env, worker)

    answers = await sent_at_once(handle, CycleWorkflow.approve_step, [
        ApproveStepUpdate(actor=member(i), step="nomination_deadline") for i in range(size)
    ])  # fmt: skip

    one_accepted(answers, "nomination_deadline is already approved by chair_team:SG/", " at ")
    status = await status_when(handle, lambda s: s.steps[0].state == "completed")
    assert status.steps[0].state == "completed"
    recorded = facts(store)
    assert (recorded["StepApproved"], recorded["StepCompleted"]) == (1, 1)


async def test_a_double_click_approves_once_and_the_cycle_completes(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, _ = await start_cycle(env, worker)
    approval = ApproveStepUpdate(actor=TEAM[0], step="nomination_deadline")
    first = asyncio.create_task(handle.execute_update(CycleWorkflow.approve_step, approval))
    await asyncio.sleep(0.01)  # the second click comes a moment later, in another task

    (second,) = await all_at_once(
        [partial(handle.execute_update, CycleWorkflow.approve_step, approval)]
    )

    assert (await first).recorded == ("StepApproved",)
    assert second.refusal is not None
    assert "already approved by chair_team:SG/alice" in second.refusal
    assert second.seconds < ANSWER_WITHIN
    approved = ApproveStepUpdate(actor=TEAM[1], step="annual_meeting")
    await env.sleep(40 * DAY)
    await handle.execute_update(CycleWorkflow.approve_step, approved)
    status = await asyncio.wait_for(handle.result(), GIVE_UP)  # CycleCompleted is recorded
    assert [s.state for s in status.steps] == ["completed", "completed"]
    assert facts(store)["CycleCompleted"] == 1


@pytest.mark.parametrize("size", SIZES)
async def test_waivers_at_once_waive_the_step_once(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, size: int
) -> None:
    handle, _ = await start_cycle(env, worker)

    answers = await sent_at_once(handle, CycleWorkflow.waive_step, [
        WaiveStepUpdate(actor=member(i), step="annual_meeting", reason="held online")
        for i in range(size)
    ])  # fmt: skip

    one_accepted(answers, "annual_meeting is already waived by chair_team:SG/", " at ")
    status = await handle.query(CycleWorkflow.status)
    assert status.steps[1].state == "waived"
    assert facts(store)["StepWaived"] == 1


@pytest.mark.parametrize("size", SIZES)
async def test_the_same_extension_at_once_is_recorded_once(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, size: int
) -> None:
    handle, t0 = await start_cycle(env, worker)
    new_deadline = t0 + 25 * DAY

    answers = await sent_at_once(handle, CycleWorkflow.extend_deadline, [
        ExtendDeadlineUpdate(actor=member(i), step="nomination_deadline",
                             new_deadline=new_deadline, reason="the SOM moved")
        for i in range(size)
    ])  # fmt: skip

    one_accepted(answers, "must be after the current one", "extended by chair_team:SG/")
    (extended,) = [e for e in store.read_stream(cycle_stream(2018)) if e.type == "DeadlineExtended"]
    status = await handle.query(CycleWorkflow.status)
    assert datetime.fromisoformat(str(extended.data["new_deadline"])) == new_deadline
    assert status.steps[0].deadline == new_deadline


@pytest.mark.parametrize("size", SIZES)
async def test_the_same_exception_granted_at_once_is_granted_once(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, size: int
) -> None:
    handle, _ = await start_cycle(env, worker)

    answers = await sent_at_once(handle, CycleWorkflow.grant_exception, [
        GrantExceptionUpdate(actor=member(i), member_state="MY", exception_id="MY-4",
                             rule="max_cities", max_cities=4, reason="pilot year")
        for i in range(size)
    ])  # fmt: skip

    one_accepted(answers, "exception id 'MY-4' is already used")
    assert facts(store, nominations_stream("MY")) == {"ExceptionGranted": 1}
    four = nominate("MY", "Johor Bahru", "Kota Kinabalu", "Kuala Lumpur", "Kuching")
    recorded = await handle.execute_update(CycleWorkflow.submit_nominations, four)
    assert recorded.recorded == ("NominationsSubmitted",)


@pytest.mark.parametrize("size", SIZES)
async def test_the_same_nominations_sent_at_once_are_recorded_once(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, size: int
) -> None:
    handle, _ = await start_cycle(env, worker)

    answers = await sent_at_once(
        handle, CycleWorkflow.submit_nominations, [nominate("SG", "Singapore") for _ in range(size)]
    )

    one_accepted(answers, "SG already submitted these nominations for 2018")
    assert facts(store, nominations_stream("SG")) == {"NominationsSubmitted": 1}
    status = await handle.query(CycleWorkflow.status)
    assert "nr:SG" not in status.steps[0].owed_by
    assert "nr:MY" in status.steps[0].owed_by


@pytest.mark.parametrize("size", [2, 10])
async def test_approve_and_waive_at_once_settle_the_step_one_way(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, size: int
) -> None:
    handle, _ = await start_cycle(env, worker)
    step = "nomination_deadline"

    answers = await all_at_once([
        partial(handle.execute_update, CycleWorkflow.approve_step,
                ApproveStepUpdate(actor=member(i), step=step))
        if i % 2 == 0 else
        partial(handle.execute_update, CycleWorkflow.waive_step,
                WaiveStepUpdate(actor=member(i), step=step, reason="online"))
        for i in range(size)
    ])  # fmt: skip

    one_accepted(answers, f"{step} is already ", " by chair_team:SG/")
    recorded = facts(store)
    assert recorded["StepApproved"] + recorded["StepWaived"] == 1
    settled = "completed" if recorded["StepApproved"] else "waived"
    status = await status_when(handle, lambda s: s.steps[0].state == settled)
    assert status.steps[0].state == settled


@pytest.mark.parametrize("size", [2, 10])
async def test_different_extensions_at_once_end_where_the_workflow_says(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, size: int
) -> None:
    handle, t0 = await start_cycle(env, worker)
    # Sent together, later dates first: 3 May, then 2 May, as in the report.
    deadlines = [t0 + (21 + size - i) * DAY for i in range(size)]

    answers = await sent_at_once(handle, CycleWorkflow.extend_deadline, [
        ExtendDeadlineUpdate(actor=TEAM[0], step="nomination_deadline", new_deadline=to,
                             reason="the SOM moved")
        for to in deadlines
    ])  # fmt: skip

    extended = [
        datetime.fromisoformat(str(e.data["new_deadline"]))
        for e in store.read_stream(cycle_stream(2018))
        if e.type == "DeadlineExtended"
    ]
    status = await handle.query(CycleWorkflow.status)
    assert extended, "no extension was recorded"
    assert extended == sorted(extended), "recorded out of the order they were decided"
    assert status.steps[0].deadline == extended[-1]
    assert sum(a.refusal is None for a in answers) == len(extended)
    for answer in answers:
        assert answer.refusal is None or "must be after the current one" in answer.refusal
    assert max(a.seconds for a in answers) < ANSWER_WITHIN


async def test_returns_racing_the_approval_of_nominations_are_counted_as_recorded(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    """Returns taken before the approval are recorded before the step completes; those
    after it are refused. The step's outstanding list matches the store either way."""
    handle, _ = await start_cycle(env, worker)
    approval = partial(
        handle.execute_update, CycleWorkflow.approve_step,
        ApproveStepUpdate(actor=TEAM[0], step="nomination_deadline"),
    )  # fmt: skip
    returns = [
        partial(handle.execute_update, CycleWorkflow.submit_nominations, nominate(code, city))
        for code, city in (("SG", "Singapore"), ("MY", "Kuala Lumpur"), ("MM", "Nay Pyi Taw"))
    ]

    answers = await all_at_once([*returns[:2], approval, returns[2]])

    assert answers[2].refusal is None
    for answer in answers:
        assert answer.refusal is None or "nominations for 2018 are closed" in answer.refusal
    assert max(a.seconds for a in answers) < ANSWER_WITHIN
    status = await status_when(handle, lambda s: s.steps[0].state == "completed")
    recorded = {code for code in ("SG", "MY", "MM") if facts(store, nominations_stream(code))}
    (completed,) = [e.data for e in store.read_stream(cycle_stream(2018))
                    if e.type == "StepCompleted"]  # fmt: skip
    assert completed["outstanding"] == [f"nr:{c}" for c in ("SG", "MY", "MM")
                                        if c not in recorded]  # fmt: skip
    assert status.steps[0].state == "completed"
