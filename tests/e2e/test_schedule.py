"""`ascn schedule`: a Temporal Schedule that starts each year's cycle, on the dev server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from temporalio.client import (
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
)
from temporalio.testing import WorkflowEnvironment

from ascn.cycles import SCHEDULE_ID, create_yearly_schedule
from domain.reference import ReferenceData
from eventstore.store import EventStore
from tests.processes import eventually
from tests.sealing import SEAL_KEYS
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow, workflow_id


async def test_the_yearly_schedule_starts_this_years_cycle_with_its_chair(
    dev_server: WorkflowEnvironment, store: EventStore, unique: str
) -> None:
    client = dev_server.client
    task_queue = f"e2e-schedule-{unique}"
    assert await create_yearly_schedule(client, task_queue, month=1, day=2, zone="Asia/Jakarta")
    assert not await create_yearly_schedule(client, task_queue)  # it exists: left alone
    schedule = client.get_schedule_handle(SCHEDULE_ID)
    described = await schedule.describe()
    (calendar,) = described.schedule.spec.calendars
    assert isinstance(calendar, ScheduleCalendarSpec)
    assert [(r.start, r.end or r.start) for r in calendar.month] == [(1, 1)]
    assert described.schedule.spec.time_zone_name == "Asia/Jakarta"
    assert isinstance(described.schedule.action, ScheduleActionStartWorkflow)

    # The starter takes the year of the moment it runs (UTC). Which year that is, is
    # read from what it started, and must be the year before or after the trigger:
    # a test run across New Year's Eve is no different from any other.
    year_before = datetime.now(UTC).year
    with ThreadPoolExecutor(max_workers=4) as pool:
        worker = create_worker(client, store, ReferenceData.load(), task_queue=task_queue,
                               executor=pool, max_concurrent_activities=4,
                               seal_keys=SEAL_KEYS)  # fmt: skip
        async with worker:
            await schedule.trigger()

            async def starter_started() -> str | None:
                recent = (await schedule.describe()).info.recent_actions
                if not recent:
                    return None
                action = recent[-1].action
                assert isinstance(action, ScheduleActionExecutionStartWorkflow)
                return action.workflow_id

            starter = await eventually(starter_started, what="the schedule to start its run")
            started: str = await client.get_workflow_handle(starter).result()
            cycle = client.get_workflow_handle(started)
            status = await cycle.query(CycleWorkflow.status)
            await cycle.terminate("test over")
    await schedule.delete()

    year = status.year
    assert year in (year_before, datetime.now(UTC).year)
    assert started == workflow_id(year)
    reference = ReferenceData.load()
    assert status.chair == reference.chair_for(year).code
    assert status.shepherd == reference.shepherd_for(year).code
