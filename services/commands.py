"""What people ask of a cycle: one frozen model per use case, in the imperative.

``request_id`` makes a command idempotent end to end: it becomes the Temporal update
id, so a client that retries with the same id gets the first answer, not a second fact.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.commands import NominatedCity
from domain.deadlines import DeadlineInput
from domain.events import ExceptionRule, Person
from domain.values import MemberStateCode, NonEmptyStr, Year

_COMMAND = ConfigDict(frozen=True, extra="forbid")
RequestId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]
StepName = Annotated[str, Field(min_length=1, max_length=200)]


class CycleCommand(BaseModel):
    model_config = _COMMAND

    year: Year
    request_id: RequestId | None = None


class StartCycle(CycleCommand):
    template: str = "recurring"
    calendar: dict[str, Any] | None = None
    """A calendar file's content (``domain.calendar_files``): the year's real dates."""


class Nominate(CycleCommand):
    member_state: MemberStateCode
    national_representative: Person
    cities: tuple[NominatedCity, ...]


class FileNilReturn(CycleCommand):
    member_state: MemberStateCode


class AllowException(CycleCommand):
    member_state: MemberStateCode
    exception_id: NonEmptyStr
    rule: ExceptionRule
    max_cities: int | None = None
    reason: NonEmptyStr


class ApproveStep(CycleCommand):
    step: StepName


class ExtendDeadline(CycleCommand):
    step: StepName
    # An instant, or a date: the end of that day in the cycle's zone (the cycle knows it).
    new_deadline: DeadlineInput
    reason: NonEmptyStr
    # Also move the later steps due before the new deadline (else the cycle refuses it).
    move_later_steps: bool = False


class WaiveStep(CycleCommand):
    step: StepName
    reason: NonEmptyStr


class Started(BaseModel):
    model_config = _COMMAND

    year: int
    workflow_id: str
    run_id: str
    template: str
    chair: str
    shepherd: str
    started_by: str
    first_deadline: AwareDatetime
    steps: int


class Outcome(BaseModel):
    """What a command recorded: the event types, in order (none if it changed nothing)."""

    model_config = _COMMAND

    year: int
    recorded: tuple[str, ...]
