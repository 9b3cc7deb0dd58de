"""Starting cycles on a Temporal cluster: one year now, or every year on a schedule."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleRange,
    ScheduleSpec,
)

from activities.planning import PlanRequest, plan_cycle
from ascn.bootstrap import connect_client
from ascn.settings import Settings
from domain.calendar import CyclePlan
from domain.reference import ReferenceData
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.starter import CycleStarter, StartCycles

SCHEDULE_ID = "ascn-yearly-cycles"


def plan_for(year: int, template: str) -> CyclePlan:
    return plan_cycle(ReferenceData.load(), PlanRequest(year=year, template=template)).plan


async def start_cycle(settings: Settings, year: int, template: str) -> str:
    client = await connect_client(settings)
    cycle = plan_cycle(ReferenceData.load(), PlanRequest(year=year, template=template))
    handle = await client.start_workflow(
        CycleWorkflow.run, cycle, id=workflow_id(year), task_queue=settings.task_queue
    )
    return handle.result_run_id or ""


def yearly_schedule(task_queue: str, *, month: int, day: int, zone: str) -> Schedule:
    """Start the recurring cycle of the year, each year on ``month``/``day`` at 00:00."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CycleStarter.run,
            StartCycles(template="recurring"),
            id="ascn-cycle-starter",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    month=(ScheduleRange(month),),
                    day_of_month=(ScheduleRange(day),),
                    hour=(ScheduleRange(0),),
                    minute=(ScheduleRange(0),),
                    second=(ScheduleRange(0),),
                )
            ],
            time_zone_name=zone,
        ),
    )


async def create_yearly_schedule(
    client: Client, task_queue: str, *, month: int = 1, day: int = 2, zone: str = "Asia/Jakarta"
) -> bool:
    """Create the schedule; False if it already exists (it is left as it is)."""
    try:
        await client.create_schedule(
            SCHEDULE_ID, yearly_schedule(task_queue, month=month, day=day, zone=zone)
        )
    except ScheduleAlreadyRunningError:
        return False
    return True
