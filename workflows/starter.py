"""Starts a year's cycle; the yearly Temporal Schedule runs this.

The year is the schedule's: the year of the moment this run started, unless the
input names one. The plan is made by an activity (it reads the reference data and
time zones), and the cycle runs on as a workflow of its own.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict
from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.planning import PlanningActivities, PlanRequest
    from workflows import search
    from workflows.cycle import CycleWorkflow, workflow_id


class StartCycles(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    template: str = "recurring"
    year: int | None = None
    search_attributes: bool = False


@workflow.defn(name="AscnCycleStarter")
class CycleStarter:
    @workflow.run
    async def run(self, request: StartCycles) -> str:
        year = request.year or workflow.now().year
        cycle = await workflow.execute_activity_method(
            PlanningActivities.plan_cycle,
            PlanRequest(
                year=year, template=request.template, search_attributes=request.search_attributes
            ),
            start_to_close_timeout=timedelta(minutes=1),
        )
        child = await workflow.start_child_workflow(
            CycleWorkflow.run,
            cycle,
            id=workflow_id(year),
            parent_close_policy=ParentClosePolicy.ABANDON,
            search_attributes=search.at_start(cycle),
        )
        workflow.logger.info("cycle started", extra={"cycle": child.id, "chair": cycle.plan.chair})
        return child.id
