"""A time-skipping Temporal test server and a worker writing into a real store."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ascn.embedded import STARTUP_TIMEOUT, test_server_path
from domain.reference import ReferenceData
from eventstore.store import EventStore
from tests.sealing import SEAL_KEYS, SealingInterceptor
from workers.worker import create_worker


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """Updates sent through ``env.client`` are sealed at the test server's time."""
    sealing = SealingInterceptor()
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(),
        test_server_startup_timeout=STARTUP_TIMEOUT,
        data_converter=pydantic_data_converter,
        interceptors=[sealing],
    ) as environment:
        sealing.clock = environment.get_current_time
        yield environment


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        yield pool


@pytest.fixture
def task_queue() -> str:
    return f"ascn-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def store(engine: Engine) -> EventStore:
    return EventStore(engine)


@pytest.fixture
async def worker(
    env: WorkflowEnvironment, store: EventStore, executor: ThreadPoolExecutor, task_queue: str
) -> AsyncIterator[Worker]:
    worker = create_worker(
        env.client, store, ReferenceData.load(), task_queue=task_queue, executor=executor,
        max_concurrent_activities=8, seal_keys=SEAL_KEYS,
    )  # fmt: skip
    async with worker:
        yield worker


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """Workflow tests record into SQLite; the store's own suite covers PostgreSQL."""
    from eventstore.engine import create_store_engine
    from eventstore.readmodels import schema as _readmodels  # noqa: F401
    from eventstore.schema import metadata

    engine = create_store_engine(sqlite_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()
