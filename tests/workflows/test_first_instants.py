"""An update that reaches a cycle in the same workflow task as its start, before the cycle
has loaded its member states' ledgers (its first activity), is told the truth: nominations
are not open yet. It once heard that its own member state was not in the cycle."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment

from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore.store import EventStore
from tests.sealing import SEAL_KEYS
from tests.workflows.admitted import GIVE_UP_AFTER, admitted
from tests.workflows.plans import CHAIR_TEAM, cycle_input, nominate, two_step_plan
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import GrantExceptionUpdate


async def test_an_update_in_the_cycles_first_task_is_answered_by_the_rules(
    env: WorkflowEnvironment, store: EventStore, executor: ThreadPoolExecutor, task_queue: str
) -> None:
    now = await env.get_current_time()
    # No worker yet: the start and both updates wait for the same first workflow task.
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(two_step_plan(now)), id=workflow_id(2018),
        task_queue=task_queue,
    )  # fmt: skip
    early = GrantExceptionUpdate(
        actor=CHAIR_TEAM, member_state="MY", exception_id="MY-early", rule="max_cities",
        max_cities=4, reason="asked before the cycle had loaded anything",
    )  # fmt: skip
    nominating = asyncio.create_task(handle.execute_update(
        CycleWorkflow.submit_nominations, nominate("SG", "Singapore"), id="nominating",
    ))  # fmt: skip
    granting = asyncio.create_task(
        handle.execute_update(CycleWorkflow.grant_exception, early, id="granting")
    )
    # Both are with the server before a worker polls: its first task carries both.
    await admitted(env.client, handle.id, "nominating", "granting")
    worker = create_worker(
        env.client, store, ReferenceData.load(), task_queue=task_queue, executor=executor,
        max_concurrent_activities=8, seal_keys=SEAL_KEYS,
    )  # fmt: skip
    async with worker:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await nominating
        message = str(refused.value.cause)
        assert message.startswith("nominations for 2018 are not open yet"), message
        with pytest.raises(WorkflowUpdateFailedError) as not_yet:
            await granting  # it needs MY's ledger, which the first task has not loaded
        assert "the 2018 cycle is still loading its records; try again" in str(not_yet.value.cause)
        # The cycle goes on and answers; the same grant, sent again once the cycle has
        # loaded its records (it records its opening right after), is granted.
        status = await handle.query(CycleWorkflow.status)
        assert status.year == 2018
        await loaded(store)
        again = await handle.start_update(
            CycleWorkflow.grant_exception, early.model_copy(update={"exception_id": "MY-later"}),
            wait_for_stage=WorkflowUpdateStage.COMPLETED,
        )  # fmt: skip
        await again.result()


async def loaded(store: EventStore) -> None:
    """Until the cycle has loaded its ledgers: the workflow task that takes them in
    schedules its opening, so that fact in the store says the task has completed. (The
    history's long poll is no help: on the test server it answered nothing for 20 s.)"""

    def opened() -> bool:
        return any(e.type == "CycleOpened" for e in store.read_stream(cycle_stream(2018)))

    async with asyncio.timeout(GIVE_UP_AFTER):
        while not opened():  # noqa: ASYNC110 (an activity's write: no Event to await)
            await asyncio.sleep(0.01)
