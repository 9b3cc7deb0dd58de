"""Events of one yearly cycle (one stream per cycle year).

Steps are plain non-empty strings: the step catalogue is calendar data, owned
elsewhere. Who acted travels in the event store's envelope.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.civil_time import CivilHours
from domain.events.base import DomainEvent
from domain.events.registry import REGISTRY
from domain.values import MemberStateCode, NonEmptyStr, Year

NotedDecision = Literal["noted", "endorsed"]
Owed = Literal["member_states", "chair_of_ascn", "shepherd", "asec"]
"""Who owes something for a step: every member state's NR, or one party."""


@REGISTRY.register
class CycleOpened(DomainEvent):
    """The cycle of ``year`` opened, with its ASEAN Chair, shepherd and step template."""

    year: Year
    chair: MemberStateCode
    shepherd: MemberStateCode
    template: NonEmptyStr


class PlannedStepFact(BaseModel):
    """One step of the plan, as the cycle recorded it when it opened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: NonEmptyStr
    title: NonEmptyStr
    owed_by: Owed
    parties: tuple[NonEmptyStr, ...]
    """Who will owe the step when it opens (party labels: ``nr:MY``, ``asec``...)."""
    opens_at: AwareDatetime
    deadline: AwareDatetime


class PlannedReminderFact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rung: NonEmptyStr
    before: timedelta


@REGISTRY.register
class CyclePlanned(DomainEvent):
    """The whole plan of the cycle, recorded right after ``CycleOpened``, so that every
    step and deadline is known (to the status, the calendar feeds) before it opens."""

    year: Year
    zone: NonEmptyStr
    steps: tuple[PlannedStepFact, ...] = Field(min_length=1)
    reminders: tuple[PlannedReminderFact, ...] = ()
    """The calendar's reminder offsets (empty: recorded before they were, the template's)."""
    civil: CivilHours | None = None
    """The working days the cycle reminds by (``domain.civil_time``); None: it reminds at
    the plain offsets. The calendar feeds ring by the same data as the mail."""


@REGISTRY.register
class StepOpened(DomainEvent):
    year: Year
    step: NonEmptyStr
    deadline: AwareDatetime


@REGISTRY.register
class ReminderSent(DomainEvent):
    """A reminder of rung ``rung`` (e.g. ``T-14``) went to those who still owe something."""

    year: Year
    step: NonEmptyStr
    rung: NonEmptyStr
    recipients: tuple[NonEmptyStr, ...]


@REGISTRY.register
class DeadlineExtended(DomainEvent):
    year: Year
    step: NonEmptyStr
    previous_deadline: AwareDatetime
    new_deadline: AwareDatetime
    reason: NonEmptyStr


@REGISTRY.register
class StepEscalated(DomainEvent):
    """The deadline passed with something still owed; ``outstanding`` says by whom."""

    year: Year
    step: NonEmptyStr
    rung: NonEmptyStr
    escalated_to: NonEmptyStr
    outstanding: tuple[NonEmptyStr, ...] = ()


@REGISTRY.register
class StepApproved(DomainEvent):
    """The Chair's team approved the step."""

    year: Year
    step: NonEmptyStr


@REGISTRY.register
class StepWaived(DomainEvent):
    year: Year
    step: NonEmptyStr
    reason: NonEmptyStr


@REGISTRY.register
class StepCompleted(DomainEvent):
    """The step is done; ``outstanding`` lists what was still owed, for the JCM report."""

    year: Year
    step: NonEmptyStr
    outstanding: tuple[NonEmptyStr, ...] = ()


@REGISTRY.register
class Noted(DomainEvent):
    """A body up the chain (JCM, ACC, Summit...) noted or endorsed the report."""

    year: Year
    body: NonEmptyStr
    decision: NotedDecision


@REGISTRY.register
class CycleCompleted(DomainEvent):
    year: Year
