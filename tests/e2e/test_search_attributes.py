"""The official tools can find and read a running cycle: search attributes and status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from ascn.embedded import dev_server_path
from domain.reference import ReferenceData
from eventstore.store import EventStore
from tests.e2e.conftest import YEAR, cycle_input, eventually, seconds_plan, wait_for_step
from tests.sealing import SEAL_KEYS
from workers.worker import create_worker
from workflows import search
from workflows.cycle import CycleWorkflow


@pytest.fixture
async def registered() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(), data_converter=pydantic_data_converter,
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
