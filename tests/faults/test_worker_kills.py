"""The worker killed with SIGKILL five times while NRs submit and the Chair's team
approves, each time at a random (seeded) moment after a command was sent; a new worker
process is started each time. The cycle completes, every command is answered 200 and
every fact is recorded exactly once.

The worker is ``python -m ascn worker``. An activity a killed worker had started would
be retried only once its start-to-close timeout (a minute) passes; the test fails such
attempts by id as soon as the worker is dead, which is what the server does then,
sooner. A workflow task it held is retried by the server after its own timeout (10 s).
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from eventstore import migrate
from eventstore.engine import create_store_engine
from tests.faults.conftest import (
    Api,
    CycleHandle,
    add_people,
    address_of,
    api_over,
    seconds_plan,
    start_cycle,
    this_year,
    wait_until_open,
)
from tests.faults.store_checks import assert_store_sound
from tests.processes import Process, ascn_env

pytestmark = [pytest.mark.faults, pytest.mark.asyncio(loop_scope="module")]

SEED = 13
KILLS = 5
STEPS = ("nomination_deadline", "scgw", "annual_meeting")
CAPITALS = {"SG": "Singapore", "TH": "Bangkok", "MY": "Kuala Lumpur", "ID": "DKI Jakarta",
            "VN": "Ha Noi"}  # fmt: skip
RETRY_AFTER = 0.5


def nominations(member_state: str) -> dict[str, object]:
    city = CAPITALS[member_state]
    return {
        "member_state": member_state,
        "national_representative": {"name": f"NR {member_state}", "email": "nr@example.org"},
        "cities": [{"city": city, "csco": {"name": f"CSCO {city}", "email": "c@example.org"}}],
    }


async def start_worker(worker: Process) -> None:
    worker.start()
    await worker.started(within=60)


async def fail_attempts_of_the_dead(env: WorkflowEnvironment, handle: CycleHandle) -> int:
    """Fail the activity attempts the killed worker had started, as the server would once
    their start-to-close timeout passed. Returns how many there were."""
    started = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
    pending = (await handle.describe()).raw_description.pending_activities
    stuck = [a.activity_id for a in pending if a.state == started]
    for activity_id in stuck:
        await env.client.get_async_activity_handle(
            workflow_id=handle.id, run_id=None, activity_id=activity_id
        ).fail(ApplicationError("the worker was killed"))
    return len(stuck)


async def answered(api: Api, path: str, who: str, body: object, key: str) -> httpx.Response:
    """A client that sends the same request, with the same key, until it gets an answer
    that is not "try again"."""
    while True:
        try:
            response = await api.post(path, who, body, key=key)
        except httpx.TimeoutException:
            continue
        if response.status_code != 503:
            return response
        await asyncio.sleep(RETRY_AFTER)


async def test_five_kills_of_the_worker_lose_nothing_and_repeat_nothing(
    dev_server: WorkflowEnvironment, processes: list[Process], tmp_path: Path, task_queue: str
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = create_store_engine(url)
    migrate.upgrade(engine)
    year = this_year()
    env = ascn_env(url, ASCN_TEMPORAL_ADDRESS=address_of(dev_server), ASCN_TASK_QUEUE=task_queue)
    worker = Process("worker", ("worker",), env, tmp_path)
    processes.append(worker)
    rng = random.Random(SEED)
    commands = [
        *(("/nominations", f"nr:{ms}", nominations(ms), ms) for ms in CAPITALS),
        *((f"/steps/{step}/approve", "chair", None, step) for step in STEPS),
    ]
    killed_during = set(rng.sample(range(len(commands)), KILLS))
    answers: list[httpx.Response] = []
    failed_attempts = 0
    try:
        await start_worker(worker)
        plan = seconds_plan(year, datetime.now(UTC), member_states=tuple(CAPITALS))
        handle = await start_cycle(dev_server.client, plan, task_queue)
        async with api_over(
            engine, dev_server.client, task_queue, year, add_people(engine, year)
        ) as api:
            for index, (path, who, body, name) in enumerate(commands):
                await wait_until_open(handle, name if name in STEPS else STEPS[0], within=60)
                sent = asyncio.create_task(answered(api, path, who, body, f"faults-{name}"))
                if index in killed_during:
                    await asyncio.sleep(rng.uniform(0.0, 0.3))
                    worker.kill()
                    failed_attempts += await fail_attempts_of_the_dead(dev_server, handle)
                    await start_worker(worker)
                answers.append(await sent)
            await asyncio.wait_for(handle.result(), timeout=60)
        worker.kill()
    finally:
        engine.dispose()

    assert [r.status_code for r in answers] == [200] * len(commands), [r.text for r in answers]
    assert worker.starts == KILLS + 1
    status_of_cycle = (await handle.describe()).status
    assert status_of_cycle is not None
    assert status_of_cycle.name == "COMPLETED"
    expected = {
        "CycleOpened": 1, "CyclePlanned": 1, "StepOpened": 3, "StepApproved": 3,
        "StepCompleted": 3, "CycleCompleted": 1, "NominationsSubmitted": len(CAPITALS),
        "LateSubmissionRecorded": 0,
    }  # fmt: skip
    assert_store_sound(url, tmp_path, expected)
    print(f"activity attempts failed after a kill: {failed_attempts}")
