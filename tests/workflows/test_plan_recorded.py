"""A cycle records its whole plan as it opens, before any step does."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.events import CyclePlanned
from domain.planning import parties_owing
from domain.streams import cycle_stream
from eventstore.codec import to_domain
from eventstore.store import EventStore
from tests.workflows.plans import DAY, cycle_input, two_step_plan
from workflows.cycle import CycleWorkflow, workflow_id


async def test_the_plan_is_recorded_right_after_the_cycle_opens(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    plan = two_step_plan(await env.get_current_time())
    await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(plan), id=workflow_id(2018), task_queue=worker.task_queue
    )

    await env.sleep(DAY / 2)  # the cycle opened; its first step opens a day after the start
    recorded = store.read_stream(cycle_stream(2018))

    assert [e.type for e in recorded] == ["CycleOpened", "CyclePlanned"]
    fact = to_domain(recorded[1])
    assert isinstance(fact, CyclePlanned)
    assert fact.zone == plan.zone
    assert [(s.step, s.title, s.owed_by, s.opens_at, s.deadline) for s in fact.steps] == [
        (s.step, s.title, s.owed_by, s.opens_at, s.deadline) for s in plan.steps
    ]
    assert [s.parties for s in fact.steps] == [
        ("nr:SG", "nr:MY", "nr:MM"),
        ("nr:SG",),
    ]
    assert [s.parties for s in fact.steps] == [parties_owing(plan, s) for s in plan.steps]
