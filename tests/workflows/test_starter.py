"""The yearly starter plans a cycle with that year's Chair, overrides included."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.planning import PlanRequest
from domain.actors import Actor
from domain.events import CycleOpened
from domain.planning import plan_cycle
from domain.streams import cycle_stream
from eventstore.codec import to_new_event
from eventstore.records import NewEvent
from eventstore.store import EventStore
from services.errors import Refused
from services.gateway import TemporalCycleGateway
from tests.workflows.plans import REFERENCE
from workflows.cycle import CycleWorkflow
from workflows.messages import CycleInput
from workflows.starter import CycleStarter, StartCycles


@pytest.mark.parametrize(("year", "chair"), [(2026, "PH"), (2027, "SG")])
async def test_the_starter_opens_the_years_cycle_with_its_chair(
    env: WorkflowEnvironment, worker: Worker, year: int, chair: str
) -> None:
    started = await env.client.execute_workflow(
        CycleStarter.run, StartCycles(year=year), id=f"starter-{year}", task_queue=worker.task_queue
    )

    assert started == f"ascn-cycle-{year}"
    status = await env.client.get_workflow_handle(started).query(CycleWorkflow.status)
    assert (status.year, status.chair, status.shepherd) == (year, chair, "ID")
    assert [s.step for s in status.steps] == [
        "nomination_deadline", "scgw", "progress_review", "annual_meeting", "report_draft",
        "jcm_submission", "acc", "summit",
    ]  # fmt: skip


async def test_an_unknown_template_fails_the_start_with_its_name(
    env: WorkflowEnvironment, worker: Worker
) -> None:
    with pytest.raises(WorkflowFailureError) as raised:
        await env.client.execute_workflow(
            CycleStarter.run, StartCycles(year=2027, template="biennial"), id="starter-bad",
            task_queue=worker.task_queue,
        )  # fmt: skip

    activity_error = raised.value.cause
    assert isinstance(activity_error, ActivityError)
    assert "unknown template 'biennial'" in str(activity_error.cause)


async def test_the_starter_refuses_a_year_whose_cycle_already_ran(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    # A 2027 cycle ran and closed long ago: Temporal has forgotten it, the store has not.
    store.append(cycle_stream(2027), [opened(2027)], expected_version=0)

    with pytest.raises(WorkflowFailureError) as raised:
        await env.client.execute_workflow(
            CycleStarter.run, StartCycles(year=2027), id="starter-again",
            task_queue=worker.task_queue,
        )  # fmt: skip

    assert isinstance(raised.value.cause, ActivityError)
    assert "the 2027 cycle has already started" in str(raised.value.cause.cause)
    assert [e.type for e in store.read_stream(cycle_stream(2027))] == ["CycleOpened"]


async def test_a_closed_cycle_is_never_started_again_whatever_ended_it(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    started = await env.client.execute_workflow(
        CycleStarter.run, StartCycles(year=2028), id="starter-2028", task_queue=worker.task_queue
    )
    await env.client.get_workflow_handle(started).terminate("ended by hand")
    gateway = TemporalCycleGateway(env.client, worker.task_queue)
    cycle = CycleInput(plan=plan_cycle(REFERENCE, 2028, "recurring"), reference=REFERENCE)

    with pytest.raises(Refused, match="ascn-cycle-2028 was already started: a year has one"):
        await gateway.start_cycle(cycle, Actor.shepherd("ID", "ina"))


@pytest.mark.parametrize(
    ("fired_at", "zone", "year"),
    [
        # The Schedule fires at 00:00 on 1 January in Jakarta: 17:00 UTC on 31 December.
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "Asia/Jakarta", 2027),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "Asia/Manila", 2027),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "Asia/Jakarta", 2026),
    ],
)
def test_the_schedule_starts_the_year_of_its_own_time_zone(
    fired_at: datetime, zone: str, year: int
) -> None:
    assert PlanRequest(at=fired_at, zone=zone).resolved_year() == year


def opened(year: int) -> NewEvent:
    fact = CycleOpened(year=year, chair="SG", shepherd="ID", template="recurring")
    return to_new_event(
        fact, event_id=uuid.uuid4(), occurred_at=datetime(year, 1, 2, tzinfo=UTC),
        actor=Actor(id="ascn-engine", role="system"),
    )  # fmt: skip
