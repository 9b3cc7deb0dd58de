"""When a reminder or an escalation goes out: at a civil hour on a working day of its reader.

A deadline is the end of its day in the calendar's zone (``domain.deadlines``). Its
reminders and escalations are sent at 09:00 in the time zone of the member state that
reads them, on one of that state's working days (not its weekend, not one of its public
holidays):

- a reminder (``T-7``: seven days before the deadline) goes out at 09:00, in the reader's
  zone, on the day the offset lands on in the calendar (T-7 of a deadline on a Monday is
  the Monday before, for every reader); if that is not the reader's working day, on its
  working day before it, so that it still comes before the deadline (never after: a reminder
  that arrives once the deadline passed reminds no one);
- an escalation (``deadline+7d``) goes out at the first 09:00 on a working day at or
  after the moment the offset lands on: never before the deadline has passed.

Everything here is pure and total: the holidays are data (``CivilHours``), looked up
once when the cycle is planned (``activities.working_days``) and carried in its plan,
so a workflow replays the same times whatever version of the ``holidays`` package is
installed later. A time that cannot be computed (the ends of the calendar, a year with
every day a holiday) falls back to the plain offset, which ``shifted`` holds in range.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from domain.deadlines import shifted

CIVIL_HOUR = time(9, 0)
"""When reminders and escalations go out, in their reader's zone."""
ASEC_STATE = "ID"
"""ASEC sits in Jakarta: mail to ``asec`` follows Indonesia's zone and holidays."""
MAX_DAYS_MOVED = 31
"""How far a reminder or escalation may move to find a working day; past this (a month
of holidays), it keeps its plain offset."""
SATURDAY_SUNDAY = (5, 6)

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name") from None
    return value


class WorkingDays(BaseModel):
    """One member state's zone, weekend and public holidays (for the years carried)."""

    model_config = _FROZEN

    zone: str
    weekend: tuple[int, ...] = Field(default=SATURDAY_SUNDAY, max_length=6)
    """Days of the week off, Monday = 0 (Brunei rests on Friday and Sunday)."""
    holidays: tuple[date, ...] = Field(default=(), max_length=10_000)
    """Kept sorted, so that a plan serializes the same way every time."""
    _off: frozenset[date] = PrivateAttr(default=frozenset())

    def model_post_init(self, _context: object, /) -> None:
        self._off = frozenset(self.holidays)

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)

    @field_validator("holidays")
    @classmethod
    def _sorted(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(value)))

    @field_validator("weekend")
    @classmethod
    def _weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 0 <= day <= 6 for day in value):
            raise ValueError("weekend days are 0 (Monday) to 6 (Sunday)")
        return value

    def works_on(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self._off


class CivilHours(BaseModel):
    """Each member state's working days, as the cycle was planned with them."""

    model_config = _FROZEN

    states: dict[str, WorkingDays]
    source: str = ""
    """Where the holidays came from (e.g. ``holidays 0.109``), for the record."""


def state_of(party: str, chair: str) -> str | None:
    """The member state whose zone a party reads its mail in: ``nr:MY`` -> MY,
    ``shepherd:ID`` -> ID, ``chair_of_ascn:nr:SG`` -> SG, ``asec`` -> ID (Jakarta), the
    JCM report -> the Chair's (it goes through the Chair of the ASCN)."""
    label = party.partition("/")[0]
    if label == "asec":
        return ASEC_STATE
    if label == "jcm_report":
        return chair
    code = label.rsplit(":", 1)[-1]
    return code if ":" in label and len(code) == 2 else None


def reminder_at(deadline: datetime, before: timedelta, days: WorkingDays) -> datetime:
    """09:00 in ``days.zone`` on the calendar's day ``before`` the deadline lands on, or the
    reader's working day before; always before the deadline. The plain offset if that
    cannot be had."""
    plain = shifted(deadline, -before)
    try:
        zone = ZoneInfo(days.zone)
        day = plain.date()  # the calendar's day: T-7 of a Monday is the Monday before
        for _ in range(MAX_DAYS_MOVED + 1):
            at = datetime.combine(day, CIVIL_HOUR, tzinfo=zone)
            if days.works_on(day) and at < deadline:
                return at
            day -= timedelta(days=1)
    except (OverflowError, ValueError):
        pass
    return plain


def escalation_at(deadline: datetime, after: timedelta, days: WorkingDays) -> datetime:
    """The first 09:00 on a working day in ``days.zone`` at or after ``deadline + after``.
    The plain offset if that cannot be had."""
    plain = shifted(deadline, after)
    try:
        zone = ZoneInfo(days.zone)
        day = plain.astimezone(zone).date()
        for _ in range(MAX_DAYS_MOVED + 1):
            at = datetime.combine(day, CIVIL_HOUR, tzinfo=zone)
            if days.works_on(day) and at >= plain:
                return at
            day += timedelta(days=1)
    except (OverflowError, ValueError):
        pass
    return plain


def working_days_of(civil: CivilHours, state: str | None, fallback_zone: str) -> WorkingDays:
    """The working days of ``state``; a party of no known state reads in the calendar's
    zone, Monday to Friday."""
    found = civil.states.get(state) if state is not None else None
    return found if found is not None else WorkingDays(zone=fallback_zone)
