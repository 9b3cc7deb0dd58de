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

from activities.working_days import YEARS_AFTER, working_days
from domain.calendar import DEFAULT_REMINDERS, CycleCalendar, Reminder
from domain.civil_time import WorkingDays, reminder_at
from domain.errors import DomainError
from domain.planning import calendar_for
from domain.reference import ReferenceData
from eventstore.readmodels.cycles import NOMINATION_STEP, CycleView, StepView

PRODID = "-//ASEAN Smart Cities Network//ascn cycle//EN"


def cycle_calendar(view: CycleView, *, now: datetime, member_state: str | None = None) -> bytes:
    """The feed of ``view`` (or only the steps ``member_state`` owes) as iCalendar bytes."""
    plan = _calendar(view)
    reminders = plan.reminders if plan is not None else DEFAULT_REMINDERS
    titles = {s.step: s.title for s in plan.steps} if plan is not None else {}
    owed_by_states = (
        {s.step for s in plan.steps if s.owed_by == "member_states"}
        if plan is not None
        else {NOMINATION_STEP}
    )
    reader = _reader(view, member_state)
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


def _reader(view: CycleView, member_state: str | None) -> WorkingDays | None:
    """A member state's feed rings when its National Representative's reminder mail goes
    out: 09:00 on its working days (``domain.civil_time``). The whole cycle's feed is
    no one reader's: it rings at the plain offsets."""
    if member_state is None:
        return None
    reference = ReferenceData.load()
    try:
        zone = reference.member_state(member_state).zone or view.zone or "UTC"
    except DomainError:
        return None
    return working_days(member_state, zone, range(view.year, view.year + YEARS_AFTER + 1))


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
