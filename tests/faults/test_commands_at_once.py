"""Commands sent at once (defect 2 of issue 13), end to end on the real dev server.

``tests/api/test_concurrent_requests.py`` sends them on the time-skipping server; here
the same requests go through the API to a cycle on the dev server in real time, with
its worker writing into a store that is checked whole afterwards. Exactly one request
has an effect, every other caller is answered 409 with what happened within two
seconds, the read model agrees with the workflow's status query, and the store holds
each fact once, its versions contiguous, ``ascn verify`` clean and its read models equal
to a rebuild from its events.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from ascn.projections import catch_up_all
from domain.streams import cycle_stream
from eventstore import migrate
from eventstore.engine import create_store_engine
from eventstore.readmodels.cycles import cycle_status_view
from eventstore.store import EventStore
from tests.faults.conftest import (
    Api,
    CycleHandle,
    add_people,
    api_over,
    end_cycle,
    idle,
    quiesce,
    read_model_state,
    seconds_plan,
    start_cycle,
    this_year,
    wait_until_open,
    worker_in_process,
    workflow_state,
)
from tests.faults.store_checks import assert_store_sound
from tests.processes import eventually
from workflows.cycle import CycleWorkflow

pytestmark = [pytest.mark.faults, pytest.mark.asyncio(loop_scope="module")]


def answer_within() -> float:
    """Two seconds, as issue 13 asks, on a machine with a core free per runnable job; on
    one shared with more (a CI runner, this 2-core machine with other suites), stretched
    by the load as it stands when the callers have had their answers (the load of a
    moment before the batch, read when the module was imported, undercounted a burst):
    the bound is on the cycle's handling, not on how busy the machine is. It holds for
    50 callers as for 10 because the gateway keeps a cycle's updates in flight below
    Temporal's limit (``services.gateway.IN_FLIGHT_PER_CYCLE``): past it each burst cost
    aborted updates, lost workflow tasks and full replays, and 50 approvals 1.4 to 2.1 s."""
    load = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    return 2.0 * load


STEP = "nomination_deadline"
OPENING = {"CycleOpened": 1, "CyclePlanned": 1}


@dataclass
class Stack:
    api: Api
    handle: CycleHandle
    url: str
    folder: Path
    engine: Engine

    async def at_once(self, requests: list[tuple[str, Any]]) -> tuple[list[httpx.Response], float]:
        """POST every (path, body) at the same moment as the Chair's team; the answers in
        order, and how long the slowest caller waited."""
        started = time.monotonic()

        async def one(path: str, body: Any) -> tuple[httpx.Response, float]:
            response = await self.api.post(path, "chair", body)
            return response, time.monotonic() - started

        answers = await asyncio.gather(*(one(path, body) for path, body in requests))
        return [r for r, _ in answers], max(s for _, s in answers)

    def cycle_facts(self) -> list[Any]:
        return EventStore(self.engine).read_stream(cycle_stream(self.api.year))


@pytest_asyncio.fixture(loop_scope="module")
async def stack(
    dev_server: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> AsyncIterator[Stack]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = create_store_engine(url)
    migrate.upgrade(engine)
    year = this_year()
    headers = add_people(engine, year)
    client = dev_server.client
    try:
        async with (
            worker_in_process(client, engine, task_queue),
            api_over(engine, client, task_queue, year, headers) as api,
        ):
            handle = await start_cycle(client, seconds_plan(year, datetime.now(UTC)), task_queue)
            try:
                await wait_until_open(handle, STEP)
                yield Stack(api=api, handle=handle, url=url, folder=tmp_path, engine=engine)
            finally:
                await end_cycle(handle)
    finally:
        engine.dispose()


async def assert_sound(stack: Stack, expected: dict[str, int], **options: Any) -> None:
    await quiesce(stack.handle)
    assert_store_sound(stack.url, stack.folder, expected, **options)


def one_ok(responses: list[httpx.Response], slowest: float, *detail_says: str) -> int:
    """Exactly one 200; every other answer a 409 that says what happened. Returns the
    index of the request that had the effect."""
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: len(responses) - 1}, [
        r.text for r in responses if r.status_code != 200
    ][:3]
    for response in responses:
        if response.status_code == 409:
            problem = response.json()
            assert problem["type"] == "urn:ascn:problem:refused"
            assert any(part in problem["detail"] for part in detail_says), problem["detail"]
    bound = answer_within()
    assert slowest < bound, f"the slowest caller waited {slowest:.2f} s (bound {bound:.2f} s)"
    return next(i for i, r in enumerate(responses) if r.status_code == 200)


async def settled_alike(stack: Stack, step: str) -> str:
    """Once the cycle has recorded what follows, the workflow's status and the read
    model say the same of ``step``."""
    await eventually(lambda: idle(stack.handle), what="the cycle to wait")
    catch_up_all(stack.engine)
    said = await workflow_state(stack.handle, step)
    projected = read_model_state(stack.engine, stack.api.year, step)
    assert said == projected, f"the workflow says {said}, the read model {projected}"
    return said


@pytest.mark.parametrize("size", [2, 10, 50])
async def test_approvals_at_once(stack: Stack, size: int) -> None:
    path = "/steps/nomination_deadline/approve"

    responses, slowest = await stack.at_once([(path, None)] * size)

    one_ok(responses, slowest, "nomination_deadline is already approved by chair_team:")
    assert await settled_alike(stack, "nomination_deadline") == "completed"
    await assert_sound(stack, {**OPENING, "StepApproved": 1, "StepWaived": 0})


async def test_waivers_at_once(stack: Stack) -> None:
    body = {"reason": "held with the annual meeting"}

    responses, slowest = await stack.at_once([("/steps/nomination_deadline/waive", body)] * 10)

    one_ok(responses, slowest, "nomination_deadline is already waived by chair_team:")
    assert await settled_alike(stack, STEP) == "waived"
    await assert_sound(stack, {**OPENING, "StepApproved": 0, "StepWaived": 1})


async def test_approvals_and_waivers_at_once(stack: Stack) -> None:
    approve = ("/steps/nomination_deadline/approve", None)
    waive = ("/steps/nomination_deadline/waive", {"reason": "held with the annual meeting"})

    responses, slowest = await stack.at_once([approve, waive] * 5)

    winner = one_ok(
        responses,
        slowest,
        "nomination_deadline is already approved by",
        "nomination_deadline is already waived by",
    )
    settled = await settled_alike(stack, STEP)
    # The one that answered 200 is what the cycle, the read model and the store say.
    if winner % 2 == 0:
        assert settled == "completed"
        counts = {"StepApproved": 1, "StepWaived": 0}
    else:
        assert settled == "waived"
        counts = {"StepApproved": 0, "StepWaived": 1}
    await assert_sound(stack, {**OPENING, **counts})


async def test_extensions_at_once_end_where_the_workflow_says(stack: Stack) -> None:
    status = await stack.handle.query(CycleWorkflow.status)
    (current,) = [s.deadline for s in status.steps if s.step == "nomination_deadline"]
    # Ten different later deadlines, all before the next step's, sent in no order.
    wanted = [current + timedelta(seconds=5 * n) for n in (7, 3, 9, 1, 5, 2, 10, 4, 8, 6)]
    path = f"/steps/{STEP}/extend"
    requests = [(path, {"new_deadline": at.isoformat(), "reason": "moved"}) for at in wanted]

    responses, slowest = await stack.at_once(requests)

    accepted = [r for r in responses if r.status_code == 200]
    assert accepted, [r.text for r in responses]
    for response in responses:
        assert response.status_code in (200, 409), response.text
        if response.status_code == 409:
            assert "must be after the current one" in response.json()["detail"]
    bound = answer_within()
    assert slowest < bound, f"the slowest caller waited {slowest:.2f} s (bound {bound:.2f} s)"
    extended = [
        datetime.fromisoformat(e.data["new_deadline"])
        for e in stack.cycle_facts()
        if e.type == "DeadlineExtended"
    ]
    # Recorded in the order the workflow decided them: each later than the one before.
    assert extended == sorted(extended)
    assert len(extended) == len(accepted)
    status = await stack.handle.query(CycleWorkflow.status)
    (now_due,) = [s.deadline for s in status.steps if s.step == "nomination_deadline"]
    catch_up_all(stack.engine)
    view = cycle_status_view(stack.engine, stack.api.year)
    assert view is not None
    (projected,) = [s.deadline for s in view.steps if s.step == "nomination_deadline"]
    assert now_due == projected == extended[-1]
    await assert_sound(stack, {**OPENING, "DeadlineExtended": len(accepted)})


async def test_the_same_exception_granted_at_once(stack: Stack) -> None:
    body = {"member_state": "MY", "exception_id": "MY-4", "rule": "max_cities",
            "max_cities": 4, "reason": "a fourth pilot city"}  # fmt: skip

    responses, slowest = await stack.at_once([("/exceptions", body)] * 10)

    one_ok(responses, slowest, "exception id 'MY-4' is already used")
    await assert_sound(stack, {"ExceptionGranted": 1}, stream_prefix="nom")
