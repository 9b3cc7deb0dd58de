"""The fault suite's stack: one Temporal dev server per module (real time), the HTTP API
in process over the real gateway, workers, projectors and dispatchers in process or as
``python -m ascn ...`` processes that a test kills with SIGKILL.

Cycles run on seconds-scale plans in the current year (so that an extension to a few
minutes from now lies within the year's window whatever today's date is).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from ascn.embedded import STARTUP_TIMEOUT, dev_server_path
from ascn.payload_codec import encrypted_converter
from ascn.settings import DEV_PAYLOAD_KEYS, parse_keyring
from domain.calendar import CyclePlan, EscalationRung, Owed, PlannedStep, Reminder
from domain.reference import ReferenceData
from eventstore.readmodels.cycles import cycle_status_view
from eventstore.store import EventStore
from services.cycles import CycleDeps
from services.gateway import TemporalCycleGateway
from services.sealing import Sealer
from tests.api.conftest import user_with_token
from tests.processes import Process, eventually, killed_afterwards
from tests.sealing import SEAL_KEYS
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import CycleInput, CycleStatus

REFERENCE = ReferenceData.load()
SECOND = timedelta(seconds=1)
CONVERTER = encrypted_converter(parse_keyring(DEV_PAYLOAD_KEYS))
"""What every ascn process uses on the development keys: the test's client, the API's
and a worker started as ``python -m ascn worker`` read each other's payloads."""
CycleHandle = WorkflowHandle[CycleWorkflow, CycleStatus]


def this_year() -> int:
    return datetime.now(UTC).year


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        dev_server_startup_timeout=STARTUP_TIMEOUT,
        data_converter=CONVERTER,
        ip="127.0.0.1",
        dev_server_log_level="error",
    ) as environment:
        yield environment


def address_of(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


# -- plans ------------------------------------------------------------------------


def step(name: str, owed_by: Owed, opens: datetime, deadline: datetime) -> PlannedStep:
    return PlannedStep(step=name, title=name.replace("_", " "), owed_by=owed_by,
                       opens_at=opens, deadline=deadline)  # fmt: skip


def seconds_plan(
    year: int,
    now: datetime,
    *,
    member_states: tuple[str, ...] = ("SG", "TH", "MY"),
    deadline_in: timedelta = timedelta(minutes=10),
    steps: tuple[str, ...] = ("nomination_deadline", "scgw", "annual_meeting"),
    reminders: tuple[Reminder, ...] = (),
    ladder: tuple[EscalationRung, ...] | None = None,
) -> CyclePlan:
    """Every step opens a second from ``now``; the first is due ``deadline_in`` from it,
    each later one a minute after the one before (the first owed by the member states,
    the others by the Chair of the ASCN)."""
    opens = now + SECOND
    extra: dict[str, Any] = {} if ladder is None else {"ladder": ladder}
    return CyclePlan(
        year=year,
        template="faults-seconds",
        zone="Asia/Singapore",
        chair=REFERENCE.chair_for(year).code,
        shepherd=REFERENCE.shepherd_for(year).code,
        member_states=member_states,
        reminders=reminders,
        steps=tuple(
            step(
                name,
                "member_states" if i == 0 else "chair_of_ascn",
                opens,
                now + deadline_in + i * timedelta(minutes=1),
            )
            for i, name in enumerate(steps)
        ),
        **extra,
    )


async def start_cycle(client: Client, plan: CyclePlan, task_queue: str) -> CycleHandle:
    return await client.start_workflow(
        CycleWorkflow.run, CycleInput(plan=plan, reference=REFERENCE),
        id=workflow_id(plan.year), task_queue=task_queue,
    )  # fmt: skip


async def end_cycle(handle: CycleHandle) -> None:
    """The next test of the module starts the same year's workflow id again."""
    with contextlib.suppress(Exception):  # already completed: nothing to end
        await handle.terminate("the test is over")


# -- waiting ------------------------------------------------------------------------


async def wait_until_open(handle: CycleHandle, *steps: str, within: float = 30.0) -> None:
    """The steps are open, and the cycle has recorded so (it waits for what comes next)."""

    async def opened() -> bool:
        status = await handle.query(CycleWorkflow.status)
        states = [s.state in ("open", "overdue") for s in status.steps if s.step in steps]
        return all(states) and await idle(handle)

    await eventually(opened, what=f"{', '.join(steps)} to open", within=within)


async def idle(handle: CycleHandle) -> bool:
    """No activity and no workflow task pending: the workflow waits on a timer or a
    person, and records nothing until then."""
    raw = (await handle.describe()).raw_description
    return not raw.pending_activities and not raw.HasField("pending_workflow_task")


async def quiesce(handle: CycleHandle) -> None:
    """Wait until the cycle records nothing more, then end it: the store stays as it is
    while the test checks it."""
    await eventually(lambda: idle(handle), what="the cycle to wait")
    await end_cycle(handle)


# -- the API over the real gateway --------------------------------------------------


@dataclass
class Api:
    """The HTTP API in process (ASGI), its cycle commands sent to the dev server."""

    http: httpx.AsyncClient
    year: int
    headers: dict[str, dict[str, str]]
    engine: Engine

    async def post(
        self, path: str, who: str, body: object = None, *, key: str | None = None
    ) -> httpx.Response:
        headers = dict(self.headers[who])
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.http.post(f"/v1/cycles/{self.year}{path}", json=body, headers=headers)


def people(year: int) -> dict[str, tuple[str, str]]:
    """who -> (user name, role) of everyone a fault test acts as."""
    chair, shepherd = REFERENCE.chair_for(year).code, REFERENCE.shepherd_for(year).code
    return {
        "shepherd": ("the-shepherd", f"shepherd:{shepherd}"),
        "chair": ("the-chair-team", f"chair_team:{chair}"),
        **{f"nr:{ms}": (f"nr-{ms.lower()}", f"nr:{ms}") for ms in ("SG", "TH", "MY", "ID", "VN")},
    }


def add_people(engine: Engine, year: int) -> dict[str, dict[str, str]]:
    now = datetime.now(UTC)
    return {
        who: {"Authorization": f"Bearer {user_with_token(engine, name, role, now=now)}"}
        for who, (name, role) in people(year).items()
    }


@asynccontextmanager
async def api_over(
    engine: Engine, client: Client, task_queue: str, year: int,
    headers: dict[str, dict[str, str]],
) -> AsyncIterator[Api]:  # fmt: skip
    cycles = CycleDeps(
        gateway=TemporalCycleGateway(client, task_queue, search_attributes=False),
        sealer=Sealer(SEAL_KEYS, lambda: datetime.now(UTC)), reference=REFERENCE,
        store=EventStore(engine),
    )  # fmt: skip
    app = create_app(engine=engine, cycles=cycles)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ascn", timeout=120) as http:
        yield Api(http=http, year=year, headers=headers, engine=engine)


@asynccontextmanager
async def worker_in_process(
    client: Client, engine: Engine, task_queue: str
) -> AsyncIterator[Worker]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        worker = create_worker(
            client, EventStore(engine), REFERENCE, task_queue=task_queue, executor=pool,
            max_concurrent_activities=16, seal_keys=SEAL_KEYS,
        )  # fmt: skip
        async with worker:
            yield worker


def read_model_state(engine: Engine, year: int, step_name: str) -> str | None:
    """A step's state in the read model, in the workflow's terms (which say "waived" for a
    waived step, completed or not, and "completed" for an approved one)."""
    view = cycle_status_view(engine, year)
    assert view is not None, f"no {year} cycle in the read models"
    (found,) = [s for s in view.steps if s.step == step_name]
    return "waived" if found.settled_by == "waived" else found.state


async def workflow_state(handle: CycleHandle, step_name: str) -> str:
    status = await handle.query(CycleWorkflow.status)
    (found,) = [s for s in status.steps if s.step == step_name]
    return found.state


@pytest.fixture
def task_queue() -> str:
    return f"faults-{uuid.uuid4().hex[:8]}"


# -- processes the tests kill ---------------------------------------------------------


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Every process a test starts goes in here and is killed afterwards."""
    yield from killed_afterwards()
