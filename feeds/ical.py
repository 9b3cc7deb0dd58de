"""iCalendar feeds of a cycle's deadlines: one per cycle, one per member state.

One VEVENT per step with a deadline, UID ``<year>-<step>@ascn`` (stable across
years of edits), SEQUENCE = the step's number of deadline extensions, so a
subscribed calendar moves the event in place when a deadline is extended. Each
event carries an alarm at every reminder offset of the calendar (T-14, T-7, T-1).
A member state's feed holds the steps its National Representative owes. The cycle
records its whole plan as it opens, so the feeds hold every step from that day on,
those not yet open saying when they open.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from sqlalchemy import Engine, select

from domain.calendar import DEFAULT_REMINDERS, CycleCalendar, Reminder
from domain.civil_time import WorkingDays, reminder_at, working_days_of
from domain.errors import DomainError
from domain.events import CyclePlanned
from domain.planning import calendar_for
from domain.streams import cycle_stream
from eventstore.codec import to_domain
from eventstore.readmodels.cycles import NOMINATION_STEP, CycleView, StepView
from eventstore.schema import events as events_table
from eventstore.store import to_recorded

PRODID = "-//ASEAN Smart Cities Network//ascn cycle//EN"


def cycle_calendar(
    view: CycleView,
    *,
    now: datetime,
    member_state: str | None = None,
    planned: CyclePlanned | None = None,
) -> bytes:
    """The feed of ``view`` (or only the steps ``member_state`` owes) as iCalendar bytes.
    ``planned``: the plan the cycle recorded (``planned_of``), whose reminder offsets and
    working days the alarms follow, as the cycle's mail does."""
    plan = _calendar(view)
    reminders = plan.reminders if plan is not None else DEFAULT_REMINDERS
    if planned is not None and planned.reminders:
        reminders = tuple(Reminder(rung=r.rung, before=r.before) for r in planned.reminders)
    titles = {s.step: s.title for s in plan.steps} if plan is not None else {}
    owed_by_states = (
        {s.step for s in plan.steps if s.owed_by == "member_states"}
        if plan is not None
        else {NOMINATION_STEP}
    )
    reader = _reader(planned, member_state)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = f"ASCN cycle {view.year}" + (f" ({member_state})" if member_state else "")
    calendar.add("x-wr-calname", name)
    zone = view.zone or (plan.zone if plan is not None else None)
    if zone is not None:
        calendar.add("x-wr-timezone", zone)
    for step in view.steps:
        if step.deadline is None:
            continue
        owed_by_members = (
            step.owed_by == "member_states" if step.owed_by else step.step in owed_by_states
        )
        if member_state is not None and not owed_by_members:
            continue
        title = step.title or titles.get(step.step, step.step)
        event = _event(view.year, step, title, reminders, now, zone, reader)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def planned_of(engine: Engine, year: int) -> CyclePlanned | None:
    """The plan the cycle of ``year`` recorded as it opened (None: none on record)."""
    query = (
        select(events_table)
        .where(events_table.c.stream_id == cycle_stream(year),
               events_table.c.type == "CyclePlanned")
        .order_by(events_table.c.version)
        .limit(1)
    )  # fmt: skip
    with engine.connect() as conn:
        row = conn.execute(query).first()
    fact = to_domain(to_recorded(row)) if row is not None else None
    return fact if isinstance(fact, CyclePlanned) else None


def _reader(planned: CyclePlanned | None, member_state: str | None) -> WorkingDays | None:
    """A member state's feed rings when its National Representative's reminder mails go
    out: 09:00 on its working days, by the data the cycle reminds by (``civil`` of its
    plan). The whole cycle's feed is no one reader's: it rings at the plain offsets, as
    does any feed of a cycle planned without working days."""
    if member_state is None or planned is None or planned.civil is None:
        return None
    return working_days_of(planned.civil, member_state, planned.zone)


def _event(
    year: int,
    step: StepView,
    title: str,
    reminders: tuple[Reminder, ...],
    now: datetime,
    zone: str | None,
    reader: WorkingDays | None = None,
) -> Event:
    assert step.deadline is not None
    event = Event()
    event.add("uid", f"{year}-{step.step}@ascn")
    event.add("sequence", step.extensions)
    event.add("dtstamp", now)
    event.add("dtstart", step.deadline)
    event.add("dtend", step.deadline)
    event.add("summary", f"ASCN {year}: {title} due")
    opens = ""
    if step.state == "pending" and step.opens_at is not None:
        # A step opens at midnight in the plan's zone: the day before, in UTC.
        local = step.opens_at.astimezone(ZoneInfo(zone)) if zone else step.opens_at
        opens = f" It opens on {local.date().isoformat()}."
    event.add(
        "description",
        f"Step {step.step} of the {year} cycle is due (state: {step.state}).{opens} "
        f"See: ascn status --year {year}, or GET /v1/cycles/{year}.",
    )
    event.add("status", "CANCELLED" if step.state == "waived" else "CONFIRMED")
    for reminder in reminders:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"ASCN {year}: {title} due in {_days(reminder.before)}")
        if reader is None:
            alarm.add("trigger", -reminder.before)
        else:  # an absolute trigger (RFC 5545 3.8.6.3), in UTC
            at = reminder_at(step.deadline, reminder.before, reader)
            alarm.add("trigger", at.astimezone(UTC))
        event.add_component(alarm)
    return event


def _calendar(view: CycleView) -> CycleCalendar | None:
    try:
        return calendar_for(view.template, view.year)
    except DomainError:
        return None


def _days(span: timedelta) -> str:
    return "1 day" if span.days == 1 else f"{span.days} days"
