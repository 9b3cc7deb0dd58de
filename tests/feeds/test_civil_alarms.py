"""A member state's feed rings when its NR's reminder mail goes out: 09:00 there, on a
working day. The cycle's reminders are recorded at the times the plan's working days
give; the outbox queues each mail then; the feed's alarms are at the same instants."""

from __future__ import annotations

from datetime import UTC, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import Engine

from activities.working_days import with_civil_hours
from ascn.projections import catch_up_all
from domain.calendar import Reminder
from domain.planning import plan_cycle, planned
from domain.reference import ReferenceData
from feeds.ical import cycle_calendar, planned_of
from mail.outbox import outbox_rows
from tests.feeds.test_ical import view
from tests.mail.conftest import YEAR, Cycle
from workflows.messages import CycleMemory
from workflows.progress import Progress

STEP = "nomination_deadline"


@pytest.mark.parametrize("member_state", ["MY", "PH"])
def test_mail_and_calendar_alarms_agree(engine: Engine, cycle: Cycle, member_state: str) -> None:
    reference = ReferenceData.load()
    plan = with_civil_hours(plan_cycle(reference, YEAR, "recurring"), reference)
    assert plan.civil is not None
    deadline = plan.step(STEP).deadline
    progress = Progress(plan, CycleMemory(deadlines={s.step: s.deadline for s in plan.steps}))
    progress.civil = plan.civil
    owed = tuple(f"nr:{code}" for code in plan.member_states)
    cycle.opened(deadline=deadline)
    cycle.record(planned(plan))
    # What the workflow does: at each time of the schedule, remind those whose time it is.
    for rung, at, target in progress.schedule(STEP):
        if target is None:
            cycle.at = at
            cycle.reminder(rung, *progress.reminded_at(STEP, rung, at, owed))
    catch_up_all(engine)

    mails = sorted(
        row["next_attempt_at"].astimezone(UTC) if row["next_attempt_at"].tzinfo else
        row["next_attempt_at"].replace(tzinfo=UTC)
        for row in outbox_rows(engine, YEAR)
        if row["recipient"] == f"nr:{member_state}"
    )  # fmt: skip
    body = cycle_calendar(
        view(engine), now=cycle.at, member_state=member_state, planned=planned_of(engine, YEAR)
    )
    feed = Calendar.from_ical(body)
    [event] = [e for e in feed.walk("VEVENT") if str(e["UID"]) == f"{YEAR}-{STEP}@ascn"]
    alarms = sorted(alarm.decoded("TRIGGER").astimezone(UTC) for alarm in event.walk("VALARM"))

    assert len(mails) == len(plan.reminders) == 3
    assert mails == alarms
    zone = ZoneInfo(plan.civil.states[member_state].zone)
    for instant in mails:
        local = instant.astimezone(zone)
        assert local.time() == time(9)
        assert plan.civil.states[member_state].works_on(local.date())
        assert instant < deadline


def test_a_calendars_own_reminder_offsets_set_the_alarms(engine: Engine, cycle: Cycle) -> None:
    """A cycle planned with its own offsets (a calendar file) and no working days: the
    feed's alarms are those offsets before each deadline, as its reminders are."""
    reference = ReferenceData.load()
    plan = plan_cycle(reference, YEAR, "recurring")
    plan = plan.model_copy(update={"reminders": (Reminder(rung="T-3", before=timedelta(days=3)),)})
    cycle.opened(deadline=plan.step(STEP).deadline)
    cycle.record(planned(plan))

    body = cycle_calendar(view(engine), now=cycle.at, member_state="MY",
                          planned=planned_of(engine, YEAR))  # fmt: skip

    events = Calendar.from_ical(body).walk("VEVENT")
    [event] = [e for e in events if str(e["UID"]) == f"{YEAR}-{STEP}@ascn"]
    assert [a.decoded("TRIGGER") for a in event.walk("VALARM")] == [timedelta(days=-3)]
