"""The official tools can find and read a running cycle: search attributes and status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from ascn.bootstrap import connect_client, cycle_deps, services
from ascn.cycles import SCHEDULE_ID, create_yearly_schedule
from ascn.embedded import STARTUP_TIMEOUT, dev_server_path
from ascn.settings import Settings, load_settings
from domain.actors import Actor
from domain.reference import ReferenceData
from eventstore.store import EventStore
from services import users
from tests.e2e.conftest import YEAR, cycle_input, seconds_plan, wait_for_step
from tests.processes import eventually
from tests.sealing import SEAL_KEYS
from workers.worker import create_worker
from workflows import search
from workflows.cycle import CycleWorkflow, workflow_id


@pytest.fixture
async def registered() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        dev_server_startup_timeout=STARTUP_TIMEOUT, data_converter=pydantic_data_converter,
        ip="127.0.0.1", dev_server_log_level="error", search_attributes=search.ALL,
    ) as environment:  # fmt: skip
        yield environment


async def test_a_cycle_is_listed_by_year_step_and_overdue_count(
    registered: WorkflowEnvironment, store: EventStore, unique: str
) -> None:
    client = registered.client
    cycle = cycle_input(seconds_plan(datetime.now(UTC))).model_copy(
        update={"search_attributes": True}
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        worker = create_worker(client, store, ReferenceData.load(), task_queue=unique,
                               executor=pool, max_concurrent_activities=4,
                               seal_keys=SEAL_KEYS)  # fmt: skip
        async with worker:
            handle = await client.start_workflow(
                CycleWorkflow.run, cycle, id=f"sa-{unique}", task_queue=unique,
                search_attributes=search.at_start(cycle),
            )  # fmt: skip
            await wait_for_step(handle, "nomination_deadline")

            async def listed() -> list[str] | None:
                query = f"AscnYear = {YEAR} AND AscnCurrentStep = 'nomination_deadline'"
                found = [w.id async for w in client.list_workflows(query)]
                return found or None

            assert await eventually(listed, what="the cycle in visibility") == [handle.id]
            described = await handle.describe()
            attributes = described.typed_search_attributes
            assert attributes.get(search.YEAR) == YEAR
            assert attributes.get(search.OVERDUE) == 0
            await handle.terminate("test over")


# -- every entry point decides the same way: ask the namespace -------------------


@pytest.fixture
def wiring(
    registered: WorkflowEnvironment,
    db_path: Path,
    store_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """Settings as `ascn up` gives its parts: ASCN_SEARCH_ATTRIBUTES unset, the namespace
    with the attributes registered."""
    monkeypatch.delenv("ASCN_SEARCH_ATTRIBUTES", raising=False)
    address = registered.client.service_client.config.target_host
    return load_settings(db_url=f"sqlite:///{db_path}", temporal_address=address)


async def kept_year(client: Client, workflow_id: str) -> int | None:
    described = await client.get_workflow_handle(workflow_id).describe()
    return described.typed_search_attributes.get(search.YEAR)


async def test_a_cycle_started_through_the_api_keeps_its_search_attributes(
    wiring: Settings,
) -> None:
    year = datetime.now(UTC).year + 1  # next year's cycle: nothing opens while the test runs
    client = await connect_client(wiring)
    with services(wiring) as built:
        shepherd = built.reference.shepherd_for(year).code
        directory = users.Directory(store=built.store)
        operator = Actor(id="test", role="admin")
        users.add_user(directory, users.AddUser(name="sam", role=f"shepherd:{shepherd}"), operator)
        token = users.issue_token(directory, users.IssueToken(name="sam"), operator).token
        app = create_app(engine=built.engine, cycles=cycle_deps(built, client))
        async with AsyncClient(transport=ASGITransport(app), base_url="http://ascn") as api:
            started = await api.post(
                "/v1/cycles", json={"year": year, "template": "recurring"},
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip

    assert started.status_code == 201, started.text
    assert await kept_year(client, workflow_id(year)) == year
    await client.get_workflow_handle(workflow_id(year)).terminate("test over")


async def test_a_cycle_the_schedule_starts_keeps_its_search_attributes(
    wiring: Settings, store: EventStore, unique: str
) -> None:
    client = await connect_client(wiring)
    assert await create_yearly_schedule(client, unique, search_attributes=wiring.search_attributes)
    schedule = client.get_schedule_handle(SCHEDULE_ID)
    with ThreadPoolExecutor(max_workers=4) as pool:
        worker = create_worker(client, store, ReferenceData.load(), task_queue=unique,
                               executor=pool, max_concurrent_activities=4,
                               seal_keys=SEAL_KEYS)  # fmt: skip
        async with worker:
            await schedule.trigger()

            async def started() -> str | None:
                query = "WorkflowType = 'AscnCycle'"
                return next(iter([w.id async for w in client.list_workflows(query)]), None)

            cycle_id = await eventually(started, what="the cycle the Schedule's starter starts")
            year = int(cycle_id.removeprefix("ascn-cycle-"))  # the Schedule's own year
            assert await kept_year(client, cycle_id) == year
            await client.get_workflow_handle(cycle_id).terminate("test over")
    await schedule.delete()
