"""Events of one yearly cycle (one stream per cycle year).

Steps are plain non-empty strings: the step catalogue is calendar data, owned
elsewhere. Who acted travels in the event store's envelope.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from domain.events.base import DomainEvent
from domain.events.registry import REGISTRY
from domain.values import MemberStateCode, NonEmptyStr, Year

NotedDecision = Literal["noted", "endorsed"]


@REGISTRY.register
class CycleOpened(DomainEvent):
    """The cycle of ``year`` opened, with its ASEAN Chair, shepherd and step template."""

    year: Year
    chair: MemberStateCode
    shepherd: MemberStateCode
    template: NonEmptyStr


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
