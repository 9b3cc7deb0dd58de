"""Starts a year's cycle; the yearly Temporal Schedule runs this.

The year is the schedule's: the year, in the schedule's own time zone, of the moment
this run started, unless the input names one. The plan is made by an activity (it
reads the reference data, the time zones and the store, which refuses a year whose
cycle already ran), and the cycle runs on as a workflow of its own.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict
from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.planning import PlanningActivities, PlanRequest
    from workflows import search
    from workflows.cycle import CYCLE_ID_REUSE, CycleWorkflow, workflow_id
    from workflows.messages import CycleInput


class StartCycles(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    template: str = "recurring"
    year: int | None = None
    search_attributes: bool = False
    zone: str = "Asia/Jakarta"
    """The Schedule's time zone: a run at 00:00 on 1 January there starts that year."""


@workflow.defn(name="AscnCycleStarter")
class CycleStarter:
    @workflow.run
    async def run(self, request: StartCycles) -> str:
        planned = await workflow.execute_activity_method(
            PlanningActivities.plan_cycle,
            PlanRequest(
                year=request.year, at=workflow.now(), zone=request.zone,
                template=request.template, search_attributes=request.search_attributes,
            ),
            start_to_close_timeout=timedelta(minutes=1),
        )  # fmt: skip
        cycle = CycleInput(
            plan=planned.plan, reference=planned.reference,
            search_attributes=request.search_attributes,
        )  # fmt: skip
        child = await workflow.start_child_workflow(
            CycleWorkflow.run,
            cycle,
            id=workflow_id(cycle.plan.year),
            id_reuse_policy=CYCLE_ID_REUSE,
            parent_close_policy=ParentClosePolicy.ABANDON,
            search_attributes=search.at_start(cycle),
        )
        workflow.logger.info("cycle started", extra={"cycle": child.id, "chair": cycle.plan.chair})
        return child.id
