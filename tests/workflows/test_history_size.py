"""History stays well under Temporal's 10,000-event warning, even with 1,000 cities."""

from __future__ import annotations

import asyncio
import itertools
import string
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.calendar import CyclePlan
from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore.store import EventStore
from eventstore.verify import verify_store
from tests.sealing import SEAL_KEYS
from tests.unit.builders import raw_reference
from tests.workflows.plans import CHAIR_TEAM, DAY, REFERENCE, nominate, step, two_step_plan
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import ApproveStepUpdate, CycleInput, CycleStatus

WARNING_AT = 10_000
CONTINUED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW


def with_extra_member_states(count: int) -> ReferenceData:
    """The real reference data plus ``count`` made-up member states of three cities each."""
    raw = raw_reference()
    taken = {state["code"] for state in raw["member_states"]}
    pairs = ("".join(p) for p in itertools.product(string.ascii_uppercase, repeat=2))
    codes = [code for code in pairs if code not in taken][:count]
    for code in codes:
        raw["member_states"].append(
            {"code": code, "name": f"State {code}", "joined": "1967-08-08",
             "capital": f"Capital {code}"}
        )  # fmt: skip
        raw["cities"] += [
            {"name": name, "member_state": code, "capital": index == 0, "joined_year": 2018,
             "pilot": False}
            for index, name in enumerate((f"Capital {code}", f"Port {code}", f"Hill {code}"))
        ]  # fmt: skip
    return ReferenceData.from_dict(raw)


async def run_lengths(
    env: WorkflowEnvironment, handle: WorkflowHandle[CycleWorkflow, CycleStatus]
) -> list[int]:
    """History length of every run of the cycle, following continue-as-new."""
    lengths = []
    run_id = handle.first_execution_run_id
    while run_id:
        history = await env.client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        lengths.append(len(history.events))
        last = history.events[-1]
        run_id = (
            last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            if last.event_type == CONTINUED
            else None
        )
    return lengths


async def test_a_cycle_with_a_thousand_cities_stays_under_the_warning(
    env: WorkflowEnvironment,
    store: EventStore,
    executor: ThreadPoolExecutor,
    task_queue: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The worker's activities and the cycle's validators share the enlarged reference data.
    reference = with_extra_member_states(334)
    worker = create_worker(env.client, store, reference, task_queue=task_queue,
                           executor=executor, max_concurrent_activities=8,
                           seal_keys=SEAL_KEYS)  # fmt: skip
    async with worker:
        handle, cities = await run_large_cycle(env, reference, task_queue)
        lengths = await run_lengths(env, handle)
    with capsys.disabled():
        print(f"\n{cities} cities: history length per run {lengths}")
    assert cities >= 1000
    assert max(lengths) < WARNING_AT / 2
    submitted = [e for e in store.iter_all() if e.type == "NominationsSubmitted"]
    assert len(submitted) == 344


async def run_large_cycle(
    env: WorkflowEnvironment, reference: ReferenceData, task_queue: str
) -> tuple[WorkflowHandle[CycleWorkflow, CycleStatus], int]:
    codes = tuple(state.code for state in reference.member_states if state.code != "TL")
    now = await env.get_current_time()
    plan = two_step_plan(now, member_states=codes)
    handle = await env.client.start_workflow(
        CycleWorkflow.run, CycleInput(plan=plan, reference=reference), id=workflow_id(2018),
        task_queue=task_queue,
    )  # fmt: skip
    await env.sleep(2 * DAY)

    for start in range(0, len(codes), 25):
        batch = codes[start : start + 25]
        await asyncio.gather(*(
            handle.execute_update(
                CycleWorkflow.submit_nominations,
                nominate(code, *[c.name for c in reference.cities_of(code, 2018)][:3]),
            )
            for code in batch
        ))  # fmt: skip
    for name in ("nomination_deadline", "annual_meeting"):
        await env.sleep(40 * DAY)
        await handle.execute_update(
            CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step=name)
        )
    await handle.result()
    return handle, sum(len(reference.cities_of(code, 2018)) for code in codes)


async def test_continue_as_new_between_steps_carries_the_cycle_on(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    now = await env.get_current_time()
    plan = two_step_plan(now)
    plan = plan.model_copy(
        update={
            "steps": (*plan.steps, step("summit", "chair_of_ascn", now + 50 * DAY, now + 60 * DAY))
        }
    )
    assert isinstance(plan, CyclePlan)
    handle = await env.client.start_workflow(
        CycleWorkflow.run,
        CycleInput(plan=plan, reference=REFERENCE, continue_as_new_after=10),
        id=workflow_id(2018), task_queue=worker.task_queue,
    )  # fmt: skip
    await env.sleep(2 * DAY)
    await handle.execute_update(CycleWorkflow.submit_nominations, nominate("SG", "Singapore"))
    for name, wait in (("nomination_deadline", 1), ("annual_meeting", 40), ("summit", 20)):
        await env.sleep(wait * DAY)
        await handle.execute_update(
            CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step=name)
        )
    status = await handle.result()

    assert len(await run_lengths(env, handle)) == 3  # a new run after each of two steps
    assert [s.state for s in status.steps] == ["completed"] * 3
    facts = Counter(e.type for e in store.read_stream(cycle_stream(2018)))
    assert facts["CycleOpened"] == facts["CyclePlanned"] == facts["CycleCompleted"] == 1
    assert facts["StepOpened"] == facts["StepApproved"] == facts["StepCompleted"] == 3
    completed = [e.data for e in store.read_stream(cycle_stream(2018)) if e.type == "StepCompleted"]
    assert completed[0]["outstanding"] == ["nr:MY", "nr:MM"]  # carried over: SG had submitted
    assert verify_store(store).ok
