"""The real Temporal dev server, a migrated SQLite store and seconds-scale cycle plans.

Real time runs here (no time skipping), so every plan is measured in seconds and
every wait polls with a deadline.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from ascn.embedded import STARTUP_TIMEOUT, dev_server_path
from ascn.payload_codec import encrypted_converter
from ascn.settings import DEV_PAYLOAD_KEYS, parse_keyring
from domain.actors import Actor
from domain.calendar import CyclePlan, EscalationRung, Owed, PlannedStep, Reminder
from domain.streams import cycle_stream, nominations_stream
from eventstore import migrate
from eventstore.engine import create_store_engine
from eventstore.records import RecordedEvent
from eventstore.store import EventStore
from tests.processes import Process, ascn_env, eventually, killed_afterwards
from tests.sealing import SealingInterceptor
from tests.workflows.plans import CHAIR_TEAM, REFERENCE
from workflows.cycle import CycleWorkflow
from workflows.messages import (
    ApproveStepUpdate,
    CycleInput,
    CycleStatus,
    StepState,
    SubmitReportUpdate,
)

T = TypeVar("T")
YEAR = 2018
NOMINATION_STEP = "nomination_deadline"
SECOND = timedelta(seconds=1)
MEMBER_STATES = ("SG", "TH", "MY")
REMINDERS = (Reminder(rung="T-2s", before=2 * SECOND),)
LADDER = (
    EscalationRung(rung="deadline", after=timedelta(0), to="shepherd"),
    EscalationRung(rung="deadline+1s", after=SECOND, to="chair_of_ascn"),
)
# What a plan from ``seconds_plan`` records when one member state is still owing at
# its deadline and every step is approved: one of each fact, once.
EXPECTED_COUNTS = {
    "CycleOpened": 1,
    "CyclePlanned": 1,
    "StepOpened": 3,
    "ReminderSent": 1,
    "StepEscalated": 2,
    "StepApproved": 2,
    "ReportSubmitted": 2,  # the JCM submission, by the Chair of the ASCN and the shepherd
    "StepCompleted": 3,
    "CycleCompleted": 1,
}
CycleHandle = WorkflowHandle[CycleWorkflow, CycleStatus]
# The converter every ascn client uses, on the development keys: the test's client and a
# worker started as `ascn worker` (WorkerProcess) must read each other's payloads.
CONVERTER = encrypted_converter(parse_keyring(DEV_PAYLOAD_KEYS))
FactKey = tuple[str, object, object, object]


@pytest.fixture
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        dev_server_startup_timeout=STARTUP_TIMEOUT,
        data_converter=CONVERTER,
        interceptors=[SealingInterceptor(year=YEAR)],
        ip="127.0.0.1",
        dev_server_log_level="error",
    ) as environment:
        yield environment


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def store_engine(db_path: Path) -> Iterator[Engine]:
    engine = create_store_engine(f"sqlite:///{db_path}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(store_engine: Engine) -> EventStore:
    return EventStore(store_engine)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


def seconds_plan(now: datetime, *, opens_in: float = 1.0, deadline_in: float = 6.0) -> CyclePlan:
    """Nominations open ``opens_in`` seconds from ``now`` and are due ``deadline_in``
    seconds from it; the two later steps are due long after the test is over, so
    they record no reminder once approved at opening."""
    nominations_open = now + opens_in * SECOND
    far = now + timedelta(minutes=10)
    return CyclePlan(
        year=YEAR,
        template="e2e-seconds",
        zone="Asia/Singapore",
        chair=REFERENCE.chair_for(YEAR).code,
        shepherd=REFERENCE.shepherd_for(YEAR).code,
        member_states=MEMBER_STATES,
        reminders=REMINDERS,
        ladder=LADDER,
        steps=(
            _step(NOMINATION_STEP, "member_states", nominations_open, now + deadline_in * SECOND),
            _step("annual_meeting", "chair_of_ascn", nominations_open, far),
            _step("jcm_submission", "chair_of_ascn", nominations_open, far, noted_by="JCM"),
        ),
    )


def _step(
    name: str, owed_by: Owed, opens: datetime, deadline: datetime, noted_by: str | None = None
) -> PlannedStep:
    return PlannedStep(step=name, title=name.replace("_", " "), owed_by=owed_by,
                       opens_at=opens, deadline=deadline, noted_by=noted_by)  # fmt: skip


def cycle_input(plan: CyclePlan) -> CycleInput:
    return CycleInput(plan=plan, reference=REFERENCE)


# -- waiting -------------------------------------------------------------------


async def wait_for_step(
    handle: CycleHandle, step: str, states: tuple[StepState, ...] = ("open", "overdue")
) -> CycleStatus:
    async def reached() -> CycleStatus | None:
        status = await handle.query(CycleWorkflow.status)
        current = next(s for s in status.steps if s.step == step)
        return status if current.state in states else None

    return await eventually(reached, what=f"step {step} to be {'/'.join(states)}")


async def wait_for_facts(
    store: EventStore, predicate: Callable[[list[RecordedEvent]], bool], *, what: str,
    within: float = 30.0,
) -> list[RecordedEvent]:  # fmt: skip
    async def recorded() -> list[RecordedEvent] | None:
        facts = cycle_facts(store)
        return facts if predicate(facts) else None

    return await eventually(recorded, what=what, within=within)


def escalations(facts: list[RecordedEvent]) -> list[str]:
    return [str(e.data["rung"]) for e in facts if e.type == "StepEscalated"]


async def approve_each_step(handle: CycleHandle, plan: CyclePlan, by: Actor = CHAIR_TEAM) -> None:
    """Approve every step in turn, each once its status says it is open; the JCM
    submission is not approved but submitted, by the Chair of the ASCN and the shepherd."""
    for planned in plan.steps:
        await wait_for_step(handle, planned.step)
        if planned.step == "jcm_submission":
            for submitter in (Actor.nr(plan.chair, "chair-of-ascn"),
                              Actor.shepherd(plan.shepherd, "shepherd")):  # fmt: skip
                submitted = await handle.execute_update(
                    CycleWorkflow.submit_report, SubmitReportUpdate(actor=submitter)
                )
                assert submitted.recorded == ("ReportSubmitted",)
            continue
        result = await handle.execute_update(
            CycleWorkflow.approve_step, ApproveStepUpdate(actor=by, step=planned.step)
        )
        assert result.recorded == ("StepApproved",)


# -- reading the store ---------------------------------------------------------


def cycle_facts(store: EventStore) -> list[RecordedEvent]:
    return store.read_stream(cycle_stream(YEAR))


def nomination_types(store: EventStore, member_state: str) -> list[str]:
    return [e.type for e in store.read_stream(nominations_stream(member_state))]


def fact_key(event: RecordedEvent) -> FactKey:
    """What makes a fact this fact: recording it twice repeats this key."""
    data: dict[str, Any] = event.data
    return (event.type, data.get("step"), data.get("rung"),
            data.get("body") or data.get("submitter"))  # fmt: skip


def assert_each_fact_once(facts: list[RecordedEvent]) -> None:
    keys = [fact_key(e) for e in facts]
    repeated = [key for key, count in Counter(keys).items() if count > 1]
    assert repeated == [], f"facts recorded more than once: {repeated}"
    assert len({e.event_id for e in facts}) == len(facts)
    assert dict(Counter(e.type for e in facts)) == EXPECTED_COUNTS


# -- a worker in a process of its own -------------------------------------------


def worker_process(
    *, name: str, db_path: Path, address: str, task_queue: str, log_level: str = "INFO"
) -> Process:
    """``python -m ascn worker`` on the store at ``db_path``, logs beside it (not started)."""
    env = ascn_env(
        f"sqlite:///{db_path}", ASCN_TEMPORAL_ADDRESS=address, ASCN_TASK_QUEUE=task_queue,
        ASCN_LOG_LEVEL=log_level,
    )  # fmt: skip
    return Process(name, ("worker",), env, db_path.parent)


@pytest.fixture
def worker_processes() -> Iterator[list[Process]]:
    """Every worker process a test starts goes in here and is killed afterwards."""
    yield from killed_afterwards()
