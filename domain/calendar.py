"""The cycle calendar: steps, dates, reminders and the escalation ladder, as data.

A calendar speaks in dates of one named time zone; a deadline is the end of its
day in that zone. ``CycleCalendar.plan`` resolves it to a ``CyclePlan`` of
instants, which is what a cycle workflow runs: the workflow never needs to know
about time zones, and a plan can also be built directly (tests, benchmarks).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.civil_time import CivilHours
from domain.deadlines import DEFAULT_EXTENSION_HORIZON, end_of_day, latest_deadline
from domain.events.cycle import NotedDecision
from domain.events.cycle import Owed as Owed  # re-exported: the calendar's vocabulary
from domain.reference import ReferenceData
from domain.values import NonEmptyStr, Year

EscalationTarget = Literal["shepherd", "chair_of_ascn", "jcm_report"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Reminder(BaseModel):
    model_config = _FROZEN

    rung: NonEmptyStr
    before: timedelta = Field(gt=timedelta(0))


class EscalationRung(BaseModel):
    model_config = _FROZEN

    rung: NonEmptyStr
    after: timedelta = Field(ge=timedelta(0))
    to: EscalationTarget


DEFAULT_REMINDERS = (
    Reminder(rung="T-14", before=timedelta(days=14)),
    Reminder(rung="T-7", before=timedelta(days=7)),
    Reminder(rung="T-1", before=timedelta(days=1)),
)
DEFAULT_LADDER = (
    EscalationRung(rung="deadline", after=timedelta(0), to="shepherd"),
    EscalationRung(rung="deadline+7d", after=timedelta(days=7), to="chair_of_ascn"),
    EscalationRung(rung="deadline+14d", after=timedelta(days=14), to="jcm_report"),
)


class StepDates(BaseModel):
    model_config = _FROZEN

    step: NonEmptyStr
    title: NonEmptyStr
    opens_on: date
    due_on: date
    owed_by: Owed
    noted_by: str | None = None
    """The body whose decision the approval records (JCM, ACC, Summit...), if any."""
    decision: NotedDecision = "noted"

    @model_validator(mode="after")
    def _opens_before_due(self) -> StepDates:
        if self.opens_on > self.due_on:
            raise ValueError(f"step {self.step} opens on {self.opens_on} after it is due")
        return self


class PlannedStep(BaseModel):
    model_config = _FROZEN

    step: NonEmptyStr
    title: NonEmptyStr
    owed_by: Owed
    opens_at: AwareDatetime
    deadline: AwareDatetime
    noted_by: str | None = None
    decision: NotedDecision = "noted"


class CyclePlan(BaseModel):
    """A cycle resolved to instants: what the cycle workflow runs."""

    model_config = _FROZEN

    year: Year
    template: NonEmptyStr
    zone: NonEmptyStr
    chair: str
    shepherd: str
    member_states: tuple[str, ...]
    reminders: tuple[Reminder, ...] = DEFAULT_REMINDERS
    ladder: tuple[EscalationRung, ...] = DEFAULT_LADDER
    steps: tuple[PlannedStep, ...] = Field(min_length=1)
    extension_horizon: timedelta = Field(default=DEFAULT_EXTENSION_HORIZON, ge=timedelta(0))
    """How far past the end of the year (or its last planned deadline, if later) an
    extension may move a deadline; see ``latest_deadline``."""
    civil: CivilHours | None = None
    """Each member state's zone and working days, looked up when the cycle was planned:
    reminders and escalations then go out at 09:00 on a working day of their reader
    (``domain.civil_time``). None: at the plain offsets (cycles planned before)."""

    @model_validator(mode="after")
    def _unique_steps_in_order(self) -> CyclePlan:
        names = [s.step for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"a step appears twice in the {self.year} plan: {names}")
        for earlier, later in zip(self.steps, self.steps[1:], strict=False):
            if later.opens_at < earlier.opens_at:
                raise ValueError(f"step {later.step} opens before {earlier.step}")
        return self

    def step(self, name: str) -> PlannedStep:
        for planned in self.steps:
            if planned.step == name:
                return planned
        known = ", ".join(s.step for s in self.steps)
        raise KeyError(f"no step {name!r} in the {self.year} cycle; steps: {known}")

    def extension_limit(self) -> datetime:
        """The latest deadline an extension may set in this cycle."""
        last_planned = max(s.deadline for s in self.steps)
        return latest_deadline(self.year, self.zone, last_planned, self.extension_horizon)


class CycleCalendar(BaseModel):
    """A year's calendar in dates. ``plan`` resolves it against the reference data."""

    model_config = _FROZEN

    year: Year
    template: NonEmptyStr
    zone: NonEmptyStr
    reminders: tuple[Reminder, ...] = DEFAULT_REMINDERS
    ladder: tuple[EscalationRung, ...] = DEFAULT_LADDER
    steps: tuple[StepDates, ...] = Field(min_length=1)
    extension_horizon: timedelta = Field(default=DEFAULT_EXTENSION_HORIZON, ge=timedelta(0))

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name") from None
        return value

    def plan(self, reference: ReferenceData) -> CyclePlan:
        zone = ZoneInfo(self.zone)
        first = min(s.opens_on for s in self.steps)
        return CyclePlan(
            year=self.year,
            template=self.template,
            zone=self.zone,
            chair=reference.chair_for(self.year).code,
            shepherd=reference.shepherd_for(self.year).code,
            member_states=tuple(m.code for m in reference.members_on(first)),
            reminders=self.reminders,
            ladder=self.ladder,
            extension_horizon=self.extension_horizon,
            steps=tuple(
                PlannedStep(
                    step=s.step,
                    title=s.title,
                    owed_by=s.owed_by,
                    opens_at=datetime.combine(s.opens_on, time.min, tzinfo=zone),
                    deadline=end_of_day(s.due_on, self.zone),
                    noted_by=s.noted_by,
                    decision=s.decision,
                )
                for s in self.steps
            ),
        )


def _step(
    step: str,
    title: str,
    opens_on: date,
    due_on: date,
    owed_by: Owed,
    noted_by: str | None = None,
    decision: NotedDecision = "noted",
) -> StepDates:
    return StepDates(
        step=step, title=title, opens_on=opens_on, due_on=due_on, owed_by=owed_by,
        noted_by=noted_by, decision=decision,
    )  # fmt: skip


def inaugural_2018() -> CycleCalendar:
    """The concept note's timeline for the ASCN's first year (Singapore chairing)."""
    d = date
    return CycleCalendar(
        year=2018,
        template="inaugural-2018",
        zone="Asia/Singapore",
        steps=(
            _step("nomination_deadline", "Nominations of cities, CSCOs and NRs",
                  d(2018, 1, 15), d(2018, 2, 28), "member_states"),
            _step("framework_draft", "Draft ASEAN Smart Cities Framework circulated",
                  d(2018, 3, 1), d(2018, 3, 31), "chair_of_ascn"),
            _step("scgw", "Smart Cities Governance Workshop, Singapore",
                  d(2018, 4, 2), d(2018, 5, 25), "member_states"),
            _step("annual_meeting", "First Annual Meeting, matchmaking with external partners",
                  d(2018, 6, 1), d(2018, 7, 8), "chair_of_ascn"),
            _step("twinning_announcement", "Twinning programme announced at the 51st AMM",
                  d(2018, 7, 9), d(2018, 8, 4), "chair_of_ascn", "51st AMM"),
            # After the AMM's step, not before it: steps run in turn, and the twinning
            # announcement in August must not wait for the report.
            _step("report_draft", "ASEC (IMD) drafts the annual report",
                  d(2018, 7, 9), d(2018, 10, 26), "asec"),
            _step("endorsement", "Action plans and partners noted; Framework endorsed",
                  d(2018, 8, 6), d(2018, 10, 31), "asec", "AMS", "endorsed"),
            _step("jcm_submission", "Report submitted to the JCM",
                  d(2018, 9, 1), d(2018, 10, 31), "chair_of_ascn", "JCM"),
            _step("acc", "Noted by the ASEAN Coordinating Council",
                  d(2018, 11, 1), d(2018, 11, 12), "asec", "ACC"),
            _step("summit", "Launch by the Leaders at the 33rd ASEAN Summit",
                  d(2018, 11, 1), d(2018, 11, 15), "chair_of_ascn", "33rd ASEAN Summit",
                  "endorsed"),
        ),
    )  # fmt: skip


def recurring(year: int, *, zone: str = "Asia/Jakarta") -> CycleCalendar:
    """The yearly cycle after 2018: nominations, SCGW, ASEC's progress review, annual
    meeting, ASEC's draft of the annual report, JCM, ACC, Summit.

    Dates are the usual months; a real year's calendar moves them to the meetings'
    actual dates (data, not code). The default zone is the shepherd's (Indonesia).
    """
    d = date
    return CycleCalendar(
        year=year,
        template="recurring",
        zone=zone,
        steps=(
            _step("nomination_deadline", "Nominations (or no change) from each AMS",
                  d(year, 1, 15), d(year, 2, 28), "member_states"),
            _step("scgw", "Smart Cities Governance Workshop",
                  d(year, 3, 1), d(year, 5, 31), "member_states"),
            # IMD's monitoring of the action plans, ready for the meeting that reviews them.
            # Not in 2018: the first plans were drafted at that year's SCGW.
            _step("progress_review", "Progress on the action plans reviewed by ASEC (IMD)",
                  d(year, 5, 1), d(year, 6, 30), "asec"),
            _step("annual_meeting", "Annual Meeting of the ASCN",
                  d(year, 6, 1), d(year, 8, 31), "chair_of_ascn"),
            # From the meeting's outcomes, with IMD: the version ASEC submits is the one
            # the Chair of the ASCN and the shepherd then submit to the JCM.
            _step("report_draft", "ASEC (IMD) drafts the annual report",
                  d(year, 7, 1), d(year, 9, 15), "asec"),
            _step("jcm_submission", "Annual report submitted to the JCM",
                  d(year, 9, 1), d(year, 10, 15), "chair_of_ascn", "JCM"),
            _step("acc", "Noted by the ASEAN Coordinating Council",
                  d(year, 10, 16), d(year, 11, 10), "asec", "ACC"),
            _step("summit", "Reported to the ASEAN Summit",
                  d(year, 10, 16), d(year, 11, 30), "chair_of_ascn", "ASEAN Summit"),
        ),
    )  # fmt: skip
