"""Starting a year's cycle on a Temporal cluster."""

from __future__ import annotations

from ascn.bootstrap import connect_client
from ascn.errors import UsageError
from ascn.settings import Settings
from domain.calendar import CycleCalendar, CyclePlan, inaugural_2018, recurring
from domain.reference import ReferenceData
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import CycleInput

TEMPLATES = ("recurring", "inaugural-2018")


def calendar_for(template: str, year: int) -> CycleCalendar:
    if template == "recurring":
        return recurring(year)
    if template == "inaugural-2018":
        if year != 2018:
            raise UsageError(f"the inaugural-2018 template is for 2018, not {year}")
        return inaugural_2018()
    raise UsageError(f"unknown template {template!r}; use one of: {', '.join(TEMPLATES)}")


async def start_cycle(settings: Settings, plan: CyclePlan) -> str:
    client = await connect_client(settings)
    handle = await client.start_workflow(
        CycleWorkflow.run,
        CycleInput(plan=plan, reference=ReferenceData.load()),
        id=workflow_id(plan.year),
        task_queue=settings.task_queue,
    )
    return handle.result_run_id or ""
