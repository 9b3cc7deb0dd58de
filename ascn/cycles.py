"""The yearly Temporal Schedule that starts each year's cycle."""

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

from services.gateway import keeps_search_attributes
from workflows.starter import CycleStarter, StartCycles

SCHEDULE_ID = "ascn-yearly-cycles"


def yearly_schedule(
    task_queue: str, *, month: int, day: int, zone: str, search_attributes: bool = False
) -> Schedule:
    """Start the recurring cycle of the year, each year on ``month``/``day`` at 00:00."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CycleStarter.run,
            StartCycles(template="recurring", search_attributes=search_attributes, zone=zone),
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
    search_attributes: bool | None = None,
) -> bool:
    """Create the schedule; False if it already exists (it is left as it is).

    Whether the cycles it starts keep search attributes is decided as for a cycle the
    services start (``search_attributes``: the setting; None asks the namespace), once,
    here: the Schedule's starter passes it on to each year's cycle."""
    keeps = await keeps_search_attributes(client, search_attributes)
    schedule = yearly_schedule(task_queue, month=month, day=day, zone=zone, search_attributes=keeps)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        return False
    return True
