"""The yearly starter plans a cycle with that year's Chair, overrides included."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from workflows.cycle import CycleWorkflow
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
        "nomination_deadline", "scgw", "annual_meeting", "jcm_submission", "acc", "summit",
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
