"""A member state's feed rings when its NR's reminder mail goes out: 09:00 there, on a
working day. The cycle's reminders are recorded at the times the plan's working days
give; the outbox queues each mail then; the feed's alarms are at the same instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import Engine

from activities.working_days import with_civil_hours
from ascn.projections import catch_up_all
from domain.calendar import Reminder
from domain.deadlines import end_of_day
from domain.planning import plan_cycle, planned
from domain.reference import ReferenceData
from feeds.ical import cycle_calendar, planned_of
from mail.dispatch import dispatch
from mail.outbox import outbox_rows
from tests.feeds.test_ical import view
from tests.mail.conftest import SENDER, YEAR, Cycle
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


class Sent:
    """A transport that keeps what it is given, with the dispatcher's clock at the time."""

    def __init__(self) -> None:
        self.now = datetime.min.replace(tzinfo=UTC)
        self.mails: list[tuple[datetime, str, EmailMessage]] = []

    async def send(self, message: EmailMessage, recipients: list[str]) -> None:
        self.mails.extend((self.now, to, message) for to in recipients)


# Due Monday 8 November 2027 (the end of that day in Jakarta, the calendar's zone):
# T-14 is Monday 25 October, a holiday in Thailand only (King Chulalongkorn's day, in
# lieu); T-7 is Monday 1 November, a holiday in the Philippines only (All Saints' Day);
# T-1 is Sunday 7 November, a weekend for both.
HOLIDAY_DEADLINE = end_of_day(date(2027, 11, 8), "Asia/Jakarta")
BANGKOK, MANILA = ZoneInfo("Asia/Bangkok"), ZoneInfo("Asia/Manila")
EXPECTED = {
    "TH": {
        "T-14": datetime(2027, 10, 22, 9, tzinfo=BANGKOK),  # the Friday before the holiday
        "T-7": datetime(2027, 11, 1, 9, tzinfo=BANGKOK),
        "T-1": datetime(2027, 11, 5, 9, tzinfo=BANGKOK),  # the Friday before the weekend
    },
    "PH": {
        "T-14": datetime(2027, 10, 25, 9, tzinfo=MANILA),
        "T-7": datetime(2027, 10, 29, 9, tzinfo=MANILA),  # the Friday before All Saints'
        "T-1": datetime(2027, 11, 5, 9, tzinfo=MANILA),
    },
}


async def test_on_holidays_and_a_weekend_each_mail_goes_out_as_its_alarm_rings(
    engine: Engine, cycle: Cycle
) -> None:
    """Two readers in two zones, each with a holiday of its own and a weekend: the
    dispatcher sends each reader's reminder at the instant that reader's feed rings (not
    a second before), and the mail says the deadline on the calendar's clock and, where
    the offset differs, on the reader's."""
    reference = ReferenceData.load()
    plan = with_civil_hours(plan_cycle(reference, YEAR, "recurring"), reference)
    civil = plan.civil
    assert civil is not None
    steps = tuple(
        s.model_copy(update={"deadline": HOLIDAY_DEADLINE}) if s.step == STEP else s
        for s in plan.steps
    )
    plan = plan.model_copy(update={"steps": steps})
    th, ph = civil.states["TH"], civil.states["PH"]
    assert date(2027, 10, 25) in th.holidays
    assert date(2027, 10, 25) not in ph.holidays
    assert date(2027, 11, 1) in ph.holidays
    assert date(2027, 11, 1) not in th.holidays
    progress = Progress(plan, CycleMemory(deadlines={s.step: s.deadline for s in plan.steps}))
    progress.civil = civil
    cycle.at = datetime(2027, 10, 1, tzinfo=UTC)
    cycle.opened(deadline=HOLIDAY_DEADLINE)
    cycle.record(planned(plan))
    for rung, at, target in progress.schedule(STEP):
        if target is None:
            cycle.at = at
            cycle.reminder(rung, *progress.reminded_at(STEP, rung, at, ("nr:TH", "nr:PH")))
    catch_up_all(engine)

    rings: dict[str, dict[datetime, str]] = {}
    for code in ("TH", "PH"):
        feed = cycle_calendar(
            view(engine), now=cycle.at, member_state=code, planned=planned_of(engine, YEAR)
        )
        [event] = [
            e for e in Calendar.from_ical(feed).walk("VEVENT")
            if str(e["UID"]) == f"{YEAR}-{STEP}@ascn"
        ]  # fmt: skip
        rings[code] = {
            alarm.decoded("TRIGGER"): str(alarm["DESCRIPTION"]) for alarm in event.walk("VALARM")
        }
        assert sorted(rings[code]) == sorted(EXPECTED[code].values()), code

    sent = Sent()
    for instant in sorted({at for alarms in rings.values() for at in alarms}):
        sent.now = instant - timedelta(seconds=1)
        await dispatch(engine, sent, sender=SENDER, clock=lambda: sent.now)
        sent.now = instant
        await dispatch(engine, sent, sender=SENDER, clock=lambda: sent.now)
    by_reader = {
        code: {str(mail["Subject"]).split()[3].strip("():"): (at, mail) for at, to, mail in
               sent.mails if to == f"nr.{code.lower()}@ascn.example"}
        for code in ("TH", "PH")
    }  # fmt: skip
    for code, rungs in EXPECTED.items():
        assert {rung: at for rung, (at, _) in by_reader[code].items()} == rungs, code
    assert len(sent.mails) == 6

    def text(code: str) -> list[str]:
        body = by_reader[code]["T-7"][1].get_body(preferencelist=("plain",))
        assert body is not None
        return [line.strip() for line in body.get_content().splitlines()]

    due = "Due by:    Monday 08 November 2027, 23:59 (UTC+07:00), end of day"
    assert due in text("TH")
    assert not any(line.startswith("Your time:") for line in text("TH"))  # Bangkok's offset
    assert due in text("PH")
    assert "Your time: Tuesday 09 November 2027, 00:59 (UTC+08:00, Asia/Manila)" in text("PH")
