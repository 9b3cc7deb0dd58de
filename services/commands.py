"""What people ask of a cycle: one frozen model per use case, in the imperative.

``request_id`` makes a command idempotent end to end: it becomes the Temporal update
id, so a client that retries with the same id gets the first answer, not a second fact.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from domain.commands import NominatedCity
from domain.deadlines import DeadlineInput
from domain.events import BodyDecision, ExceptionRule, NarrativeSection, Person
from domain.events.chain import MAX_NARRATIVE_SECTIONS, MAX_REPORT_VERSIONS
from domain.report_versions import count_sections
from domain.text import MULTI_LINE_TEXT, ONE_LINE_TEXT
from domain.values import MemberStateCode, NonEmptyStr, Year

_COMMAND = ConfigDict(frozen=True, extra="forbid")
RequestId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]
StepName = Annotated[str, Field(min_length=1, max_length=200)]
# Free text as entered (domain.text): names and ids one line, reasons several.
OneLineText = Annotated[NonEmptyStr, ONE_LINE_TEXT]
Reason = Annotated[NonEmptyStr, MULTI_LINE_TEXT]


class CycleCommand(BaseModel):
    model_config = _COMMAND

    year: Year
    request_id: RequestId | None = None


class StartCycle(CycleCommand):
    template: str = "recurring"
    calendar: dict[str, Any] | None = None
    """A calendar file's content (``domain.calendar_files``): the year's real dates."""
    allow_past_deadlines: bool = False
    """Start even if the first deadline has passed (recording a year gone by)."""


class Nominate(CycleCommand):
    member_state: MemberStateCode
    national_representative: Person
    cities: tuple[NominatedCity, ...]


class FileNilReturn(CycleCommand):
    member_state: MemberStateCode


class AllowException(CycleCommand):
    member_state: MemberStateCode
    exception_id: OneLineText
    rule: ExceptionRule
    max_cities: int | None = None
    reason: Reason


class ApproveStep(CycleCommand):
    step: StepName


class ExtendDeadline(CycleCommand):
    step: StepName
    # An instant, or a date: the end of that day in the cycle's zone (the cycle knows it).
    new_deadline: DeadlineInput
    reason: Reason
    # Also move the later steps due before the new deadline (else the cycle refuses it).
    move_later_steps: bool = False


class WaiveStep(CycleCommand):
    step: StepName
    reason: Reason


class RecordDecision(CycleCommand):
    """A body's decision on what a step put to it (a deferral or a return names the
    step's new deadline)."""

    step: StepName
    body: OneLineText
    decision: BodyDecision
    decided_on: date
    meeting: OneLineText
    concerning: OneLineText
    document_sha256: str | None = None
    new_deadline: DeadlineInput | None = None


class SubmitReport(CycleCommand):
    """The Chair of the ASCN or the shepherd submits the report to the JCM: the latest
    version, refused by the cycle unless it is ``version`` when one is named (the one the
    submitter read)."""

    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSIONS)


class SubmitProgressReview(CycleCommand):
    """ASEC (IMD) has assessed every active project of the year, or said why not."""


class DraftReport(CycleCommand):
    """ASEC (IMD) drafts the next version of the year's report: the report as the store
    has it now, with this narrative (the one part not computed from the events)."""

    narrative: Annotated[
        tuple[NarrativeSection, ...],
        Field(max_length=MAX_NARRATIVE_SECTIONS),
        BeforeValidator(count_sections),
    ] = ()


class SubmitReportDraft(CycleCommand):
    """ASEC submits its latest version of the report, settling ``report_draft``: refused
    by the cycle unless it is ``version`` when one is named (the one ASEC read)."""

    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSIONS)


class ProposeCity(CycleCommand):
    member_state: MemberStateCode
    city: OneLineText
    capital: bool = False


class DecideCity(CycleCommand):
    member_state: MemberStateCode
    city: OneLineText
    decision: Literal["accepted", "declined"]
    reason: Annotated[str, MULTI_LINE_TEXT] = ""


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
    version: int | None = None
    """The report's version it drafted, submitted or named (a cycle that keeps them)."""
    document_sha256: str | None = None
    note: str | None = None
    """What else it changed (a new version voided submissions to the JCM)."""


class Drafted(Outcome):
    """A new version of the report: its number, SHA-256 and the log's position it is as of."""

    version: int
    document_sha256: str
    as_of_position: int
