"""Where a deadline may move, and date arithmetic that cannot overflow.

Python's datetimes end at year 9999: adding a week to a deadline on 31 December 9999
raises OverflowError. Inside a cycle workflow that error would fail the workflow
task, which Temporal retries for ever, so the cycle would stop answering. Hence two
rules here, both pure: an extension may only set a deadline inside a bounded window
(``check_extension``), and the cycle's own arithmetic stops at the first or last
instant instead of overflowing (``shifted``, ``in_zone``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

from domain.errors import DomainError

DEFAULT_EXTENSION_HORIZON = timedelta(days=365)
"""How far past the end of its year (or of its last planned deadline, if later) a cycle's
deadlines may be extended: a year, so a report may slip into the next year, not beyond."""
FURTHEST_WEST = timezone(timedelta(hours=-12))
FURTHEST_EAST = timezone(timedelta(hours=14))
"""Where days end last: a bound computed at UTC-12 holds in every zone."""

_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AWARE = TypeAdapter(AwareDatetime)


class ExtensionRefused(DomainError):
    """A new deadline outside the window an extension may set."""


def shifted(moment: datetime, by: timedelta) -> datetime:
    """``moment + by``, held at the first or last instant of the calendar (in the moment's
    own zone, so never on the wrong side of it) instead of overflowing."""
    try:
        return moment + by
    except OverflowError:
        if by > timedelta(0):
            return datetime.max.replace(tzinfo=moment.tzinfo)
        return datetime.min.replace(tzinfo=moment.tzinfo)


def in_zone(moment: datetime, zone: str) -> datetime:
    """The same instant with the offset of ``zone``; refused if it has no date there
    (an instant in year 9999 at UTC-12 is already year 10000 further east)."""
    try:
        return moment.astimezone(ZoneInfo(zone))
    except OverflowError:
        raise ExtensionRefused(
            f"{moment.isoformat()} has no date in {zone}: it lies at the end of the calendar"
        ) from None


def end_of_day(day: date, zone: str) -> datetime:
    """A deadline "on" a day: the last instant of that day in the calendar's zone."""
    return datetime.combine(day, time.max, tzinfo=ZoneInfo(zone))


def resolve(deadline: datetime | date, zone: str) -> datetime:
    """A deadline as a cycle keeps it: a date is the end of that day in the cycle's zone,
    and an instant is shown in that zone, whatever offset the caller used."""
    if isinstance(deadline, datetime):
        return in_zone(deadline, zone)
    return end_of_day(deadline, zone)


def latest_deadline(year: int, zone: str, last_planned: datetime, horizon: timedelta) -> datetime:
    """The latest deadline an extension may set in a cycle: ``horizon`` after the end of
    its year in its zone, or after its last planned deadline if that is later."""
    end_of_year = end_of_day(date(year, 12, 31), zone)
    return shifted(max(end_of_year, last_planned), horizon)


def check_within_year(year: int, step: str, deadline: datetime | date) -> None:
    """What the services can check without the cycle: no cycle of ``year`` planned from
    a calendar (whose deadlines lie in its year, with the default horizon) allows a
    deadline past this, in any zone. The cycle then checks its own window exactly."""
    end_of_year = datetime.combine(date(year, 12, 31), time.max, tzinfo=FURTHEST_WEST)
    latest = shifted(end_of_year, DEFAULT_EXTENSION_HORIZON)
    if isinstance(deadline, datetime):
        beyond = deadline > latest
    else:
        beyond = datetime.combine(deadline, time.max, tzinfo=FURTHEST_WEST) > latest
    if beyond:
        raise ExtensionRefused(
            f"the new deadline {deadline.isoformat()} of {step} is beyond the latest one a "
            f"{year} cycle allows, {latest.date().isoformat()}"
        )
    # Every deadline of a cycle lies in its year and only moves later: one before the
    # year is refused here, as given (the cycle's zone, that far back, would show it at
    # the zone's local mean time, an offset such as +07:07:12).
    start_of_year = datetime.combine(date(year, 1, 1), time.min, tzinfo=FURTHEST_EAST)
    if isinstance(deadline, datetime):
        before = deadline < start_of_year
    else:
        before = deadline < date(year, 1, 1)
    if before:
        raise ExtensionRefused(
            f"the new deadline {deadline.isoformat()} of {step} is before {year}: a deadline "
            f"of the {year} cycle only moves later, within its year"
        )


def check_extension(
    *,
    step: str,
    current: datetime,
    new: datetime,
    now: datetime,
    latest: datetime,
    later: Sequence[tuple[str, datetime]],
    move_later_steps: bool,
) -> tuple[str, ...]:
    """The later steps an extension moves along with ``step`` (those due before ``new``,
    when the caller asked to move them), or ExtensionRefused naming the problem.

    ``later``: (name, deadline) of the steps after this one that are not yet settled.
    """
    if new <= current:
        raise ExtensionRefused(
            f"the new deadline {new.isoformat()} of {step} must be after the current one, "
            f"{current.isoformat()}"
        )
    if new > latest:
        raise ExtensionRefused(
            f"the new deadline {new.isoformat()} of {step} is beyond the latest one this "
            f"cycle allows, {latest.isoformat()}"
        )
    if new < now:
        raise ExtensionRefused(
            f"the new deadline {new.isoformat()} of {step} is already past (the cycle's "
            f"time is {now.isoformat()})"
        )
    overtaken = [(name, deadline) for name, deadline in later if deadline < new]
    if overtaken and not move_later_steps:
        name, deadline = overtaken[0]
        raise ExtensionRefused(
            f"the new deadline {new.isoformat()} of {step} falls after the deadline of the "
            f"later step {name}, {deadline.isoformat()}: extend {name} first, or ask to "
            "move the later steps too (move_later_steps)"
        )
    return tuple(name for name, _ in overtaken)


def _deadline_input(value: object) -> datetime | date:
    """A plain date stays a date (only the cycle knows its zone); anything else must be
    an aware datetime. Numbers are refused: an epoch count is no one's deadline."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _PLAIN_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a date: {error}") from None
    if not isinstance(value, str | datetime):
        raise ValueError("a date (YYYY-MM-DD) or a date and time with its UTC offset")
    try:
        return _AWARE.validate_python(value)
    except ValidationError as error:
        reason = error.errors()[0]["msg"]
        raise ValueError(
            f"a date (YYYY-MM-DD) or a date and time with its UTC offset; {reason}"
        ) from None


def _deadline_json(value: datetime | date) -> str:
    """As pydantic writes each (so a seal over it reads the same as before dates were
    allowed); its own union serializer warns about a date."""
    if isinstance(value, datetime):
        return str(_AWARE.dump_python(value, mode="json"))
    return value.isoformat()


DeadlineInput = Annotated[
    datetime | date,
    PlainValidator(_deadline_input),
    PlainSerializer(_deadline_json, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "format": "date-time"},
                      {"type": "string", "format": "date"}],
            "description": "A date and time with its UTC offset, or a date (YYYY-MM-DD): "
            "the end of that day in the cycle's time zone.",
        }
    ),
]  # fmt: skip
"""A new deadline as people give it: an instant with its offset, or a plain date."""
