"""A member state's feed rings when its NR's reminder mail goes out: 09:00 there, on a
working day. The cycle's reminders are recorded at the times the plan's working days
give; the outbox queues each mail then; the feed's alarms are at the same instants."""

from __future__ import annotations

from datetime import UTC, time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import Engine

from activities.working_days import with_civil_hours
from ascn.projections import catch_up_all
from domain.planning import plan_cycle
from domain.reference import ReferenceData
from feeds.ical import cycle_calendar
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
    feed = Calendar.from_ical(cycle_calendar(view(engine), now=cycle.at, member_state=member_state))
    [event] = feed.walk("VEVENT")
    alarms = sorted(alarm.decoded("TRIGGER").astimezone(UTC) for alarm in event.walk("VALARM"))

    assert len(mails) == len(plan.reminders) == 3
    assert mails == alarms
    zone = ZoneInfo(plan.civil.states[member_state].zone)
    for instant in mails:
        local = instant.astimezone(zone)
        assert local.time() == time(9)
        assert plan.civil.states[member_state].works_on(local.date())
        assert instant < deadline
