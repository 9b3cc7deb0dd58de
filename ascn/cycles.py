"""Starting cycles on a Temporal cluster: one year now, or every year on a schedule."""

from __future__ import annotations

from collections.abc import Callable

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
from workflows import search
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import CycleInput
from workflows.starter import CycleStarter, StartCycles

SCHEDULE_ID = "ascn-yearly-cycles"


def plan_for(year: int, template: str) -> CyclePlan:
    return plan_cycle(ReferenceData.load(), PlanRequest(year=year, template=template)).plan


def planner(settings: Settings) -> Callable[[ReferenceData, int, str], CycleInput]:
    """How the gateway plans a cycle under these settings."""

    def plan(reference: ReferenceData, year: int, template: str) -> CycleInput:
        request = PlanRequest(
            year=year, template=template, search_attributes=settings.search_attributes
        )
        return plan_cycle(reference, request)

    return plan


async def start_cycle(settings: Settings, year: int, template: str) -> str:
    client = await connect_client(settings)
    cycle = planner(settings)(ReferenceData.load(), year, template)
    handle = await client.start_workflow(
        CycleWorkflow.run, cycle, id=workflow_id(year), task_queue=settings.task_queue,
        search_attributes=search.at_start(cycle),
    )  # fmt: skip
    return handle.result_run_id or ""


def yearly_schedule(
    task_queue: str, *, month: int, day: int, zone: str, search_attributes: bool = False
) -> Schedule:
    """Start the recurring cycle of the year, each year on ``month``/``day`` at 00:00."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CycleStarter.run,
            StartCycles(template="recurring", search_attributes=search_attributes),
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
    client: Client,
    task_queue: str,
    *,
    month: int = 1,
    day: int = 2,
    zone: str = "Asia/Jakarta",
    search_attributes: bool = False,
) -> bool:
    """Create the schedule; False if it already exists (it is left as it is)."""
    schedule = yearly_schedule(
        task_queue, month=month, day=day, zone=zone, search_attributes=search_attributes
    )
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        return False
    return True
