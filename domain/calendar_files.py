"""A year's real calendar as data: what a calendar file holds, and how it is checked.

A file names the template it follows (``recurring``, ``inaugural-2018``), the zone its
dates are in, the annual meeting's host and venue, and each step's dates; it may set
its own reminder offsets and escalation ladder. Who owes each step and which body
notes it come from the template: a file moves dates, it does not invent steps. A step
of the template the file leaves out keeps the template's usual dates.

``check_calendar`` reports every problem in the file, each with where it is
(``steps[3].due: ...``), or returns the calendar it describes. The files are read by
whoever holds them (YAML, in ``ascn.calendar_files``); this module sees plain data.
Every date is bounded to the cycle's year (a step may be due up to the extension
horizon after it), so that a calendar that passes can always be planned and run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from domain.calendar import (
    DEFAULT_LADDER,
    DEFAULT_REMINDERS,
    CycleCalendar,
    EscalationRung,
    EscalationTarget,
    Reminder,
    StepDates,
)
from domain.civil_time import check_zone
from domain.deadlines import DEFAULT_EXTENSION_HORIZON
from domain.errors import DomainError
from domain.planning import calendar_for
from domain.reference import ReferenceData
from domain.values import MemberStateCode, NonEmptyStr, Year

MAX_OFFSET_DAYS = 180
"""The furthest a reminder may go out before its deadline, or an escalation after it."""
MAX_STEPS = 50
MAX_RUNGS = 10
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"

Label = Annotated[NonEmptyStr, Field(max_length=40, pattern=r"^[A-Za-z0-9_+\-]+$")]
Text = Annotated[NonEmptyStr, Field(max_length=200, pattern=ONE_LINE)]
TemplateName = Literal["recurring", "inaugural-2018"]

_ENTRY = ConfigDict(frozen=True, extra="forbid")


class ReminderEntry(BaseModel):
    model_config = _ENTRY

    rung: Label
    days_before: int = Field(ge=1, le=MAX_OFFSET_DAYS)


class RungEntry(BaseModel):
    model_config = _ENTRY

    rung: Label
    days_after: int = Field(ge=0, le=MAX_OFFSET_DAYS)
    to: EscalationTarget


class MeetingEntry(BaseModel):
    model_config = _ENTRY

    host: MemberStateCode
    venue: Text


class StepEntry(BaseModel):
    model_config = _ENTRY

    step: Label
    opens: date
    due: date
    title: Text | None = None


class CalendarFile(BaseModel):
    model_config = _ENTRY

    year: Year
    template: TemplateName
    zone: Annotated[str, Field(max_length=64)]
    annual_meeting: MeetingEntry
    reminders: tuple[ReminderEntry, ...] | None = Field(default=None, max_length=MAX_RUNGS)
    ladder: tuple[RungEntry, ...] | None = Field(default=None, max_length=MAX_RUNGS)
    steps: tuple[StepEntry, ...] = Field(min_length=1, max_length=MAX_STEPS)

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)


class CalendarInvalid(DomainError):
    """A calendar file with problems; ``problems`` holds each, with where it is."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class CheckedCalendar:
    calendar: CycleCalendar
    meeting: MeetingEntry
    from_template: tuple[str, ...]
    """The template's steps the file left out (they keep the template's dates)."""

    def summary(self) -> str:
        c = self.calendar
        kept = f"; {', '.join(self.from_template)} at the template's dates" * bool(
            self.from_template
        )
        return (
            f"{c.year} calendar ({c.template} template, {c.zone}): {len(c.steps)} steps, "
            f"the annual meeting in {self.meeting.venue} (host {self.meeting.host}){kept}"
        )


def check_calendar(raw: object, reference: ReferenceData) -> CheckedCalendar:
    """The calendar ``raw`` describes, or CalendarInvalid listing every problem in it."""
    if not isinstance(raw, Mapping):
        raise CalendarInvalid(
            ["the file must be a mapping with year, template, zone, annual_meeting and steps"]
        )
    problems: list[str] = []
    try:
        parsed: CalendarFile | None = CalendarFile.model_validate(raw)
    except ValidationError as error:
        problems += [_located(item["loc"], item["msg"]) for item in error.errors()]
        parsed = None
    # What parsed on its own is checked further, so that one bad field hides no other.
    year = _part(raw, "year", TypeAdapter(Year))
    template = _part(raw, "template", TypeAdapter(TemplateName))
    entries = _steps(raw)
    meeting = _part(raw, "annual_meeting", TypeAdapter(MeetingEntry))
    problems += _offsets(raw)
    if meeting is not None:
        problems += _host(meeting, reference)
    steps: tuple[StepDates, ...] = ()
    missing: tuple[str, ...] = ()
    if year is not None and template is not None:
        try:
            usual = calendar_for(template, year)
        except DomainError as error:
            problems.append(f"template: {error}")
        else:
            found, missing, step_problems = _against_template(usual, entries, year, meeting)
            problems += step_problems
            steps = found
    if problems or parsed is None:
        raise CalendarInvalid(problems or ["the calendar is not valid"])
    calendar = CycleCalendar(
        year=parsed.year,
        template=parsed.template,
        zone=parsed.zone,
        reminders=tuple(
            Reminder(rung=r.rung, before=timedelta(days=r.days_before)) for r in parsed.reminders
        )
        if parsed.reminders
        else DEFAULT_REMINDERS,
        ladder=tuple(
            EscalationRung(rung=e.rung, after=timedelta(days=e.days_after), to=e.to)
            for e in parsed.ladder
        )
        if parsed.ladder
        else DEFAULT_LADDER,
        steps=steps,
    )
    try:
        calendar.plan(reference)
    except (DomainError, ValueError) as error:
        raise CalendarInvalid([f"year: {error}"]) from None
    return CheckedCalendar(calendar=calendar, meeting=parsed.annual_meeting, from_template=missing)


def _against_template(
    usual: CycleCalendar,
    entries: list[tuple[int, StepEntry]],
    year: int,
    meeting: MeetingEntry | None,
) -> tuple[tuple[StepDates, ...], tuple[str, ...], list[str]]:
    """The file's steps merged into the template's, in the template's order."""
    problems: list[str] = []
    order = [s.step for s in usual.steps]
    first, last = _bounds(year)
    given: dict[str, tuple[int, StepEntry]] = {}
    for index, entry in entries:
        where = f"steps[{index}]"
        if entry.step not in order:
            problems.append(
                f"{where}.step: no step {entry.step!r} in the {usual.template} template; "
                f"its steps are {', '.join(order)}"
            )
            continue
        if entry.step in given:
            problems.append(
                f"{where}.step: {entry.step} is already given at steps[{given[entry.step][0]}]"
            )
            continue
        given[entry.step] = (index, entry)
        if entry.opens < first:
            problems.append(f"{where}.opens: {entry.opens} is before the cycle's year {year}")
        if entry.due > last:
            problems.append(
                f"{where}.due: {entry.due} is after {last}, the latest a {year} step may be due"
            )
        if entry.opens > entry.due:
            problems.append(f"{where}.due: {entry.due} is before the step opens, {entry.opens}")
    merged: list[StepDates] = []
    previous: tuple[str, date] | None = None
    for template_step in usual.steps:
        index_entry = given.get(template_step.step)
        if index_entry is None:
            step = template_step
            where = f"steps ({template_step.step}, at the template's dates)"
        else:
            index, entry = index_entry
            title = entry.title or template_step.title
            if template_step.step == "annual_meeting" and meeting and not entry.title:
                title = f"{title}, {meeting.venue}"
            step = template_step.model_copy(
                update={"opens_on": entry.opens, "due_on": entry.due, "title": title}
            )
            where = f"steps[{index}].opens"
        if previous is not None and step.opens_on < previous[1]:
            problems.append(
                f"{where}: {step.step} opens on {step.opens_on}, before {previous[0]} "
                f"(which comes first in the template) opens on {previous[1]}"
            )
        previous = (step.step, step.opens_on)
        merged.append(step)
    missing = tuple(s for s in order if s not in given)
    return tuple(merged), missing, problems


def _bounds(year: int) -> tuple[date, date]:
    """The first and last dates a step of ``year`` may have."""
    first = date(year, 1, 1)
    try:
        last = date(year, 12, 31) + DEFAULT_EXTENSION_HORIZON
    except OverflowError:
        last = date.max
    return first, last


def _offsets(raw: Mapping[Any, Any]) -> list[str]:
    """Rung names are unique across reminders and ladder; the ladder climbs in time."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for field, model in (("reminders", ReminderEntry), ("ladder", RungEntry)):
        items = raw.get(field)
        if not isinstance(items, list | tuple):
            continue
        if not items:
            problems.append(f"{field}: empty; leave it out for the usual {field}")
        latest: int | None = None
        for index, item in enumerate(items):
            try:
                entry = model.model_validate(item)
            except ValidationError:
                continue  # already reported
            where = f"{field}[{index}].rung"
            if entry.rung in seen:
                problems.append(f"{where}: {entry.rung} is already used at {seen[entry.rung]}")
            seen.setdefault(entry.rung, f"{field}[{index}]")
            if isinstance(entry, RungEntry):
                if latest is not None and entry.days_after < latest:
                    problems.append(
                        f"{field}[{index}].days_after: {entry.days_after} comes before the "
                        f"rung above it ({latest}): the ladder climbs in time"
                    )
                latest = entry.days_after
    return problems


def _host(meeting: MeetingEntry, reference: ReferenceData) -> list[str]:
    try:
        reference.member_state(meeting.host)
    except DomainError as error:
        return [f"annual_meeting.host: {error}"]
    return []


def _steps(raw: Mapping[Any, Any]) -> list[tuple[int, StepEntry]]:
    items = raw.get("steps")
    if not isinstance(items, list | tuple):
        return []
    parsed = []
    for index, item in enumerate(items[:MAX_STEPS]):
        try:
            parsed.append((index, StepEntry.model_validate(item)))
        except ValidationError:
            continue  # already reported, with its place
    return parsed


def _part(raw: Mapping[Any, Any], field: str, adapter: TypeAdapter[Any]) -> Any:
    try:
        return adapter.validate_python(raw.get(field))
    except ValidationError:
        return None


def _located(loc: tuple[int | str, ...], message: str) -> str:
    """``("steps", 3, "due")`` -> ``steps[3].due``."""
    where = ""
    for part in loc:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    text = message.removeprefix("Value error, ")
    return f"{where}: {text}" if where else text
