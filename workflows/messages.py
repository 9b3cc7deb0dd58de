"""What goes into and comes out of a cycle workflow: input, updates, status.

Each is one pydantic model, so fields can be added without breaking running
histories (add with a default; never rename or remove).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Actor
from domain.calendar import CyclePlan
from domain.commands import NominatedCity
from domain.deadlines import DeadlineInput
from domain.events import BodyDecision, ExceptionRule, Person, Submitter
from domain.ledger import NominationLedger
from domain.membership import Membership
from domain.reference import ReferenceData
from domain.report_versions import ReportMemory, ReportVersion
from domain.seal import Seal

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class StepDecision(BaseModel):
    """Who settled or last moved a step, and when (the cycle's time). Kept from the
    moment the decision is taken, before its fact is recorded, so that a command
    racing it is refused with this, rather than recorded too."""

    model_config = _FROZEN

    kind: Literal["approved", "waived", "extended", "decided", "submitted"]
    by: str
    at: AwareDatetime

    def describe(self, step: str) -> str:
        return f"{step} is already {self.kind} by {self.by} at {self.at.isoformat()}"


class CycleMemory(BaseModel):
    """Everything the workflow knows; carried over on continue-as-new."""

    next_step: int = 0
    deadlines: dict[str, AwareDatetime] = Field(default_factory=dict)
    opened: dict[str, AwareDatetime] = Field(default_factory=dict)
    processed_until: dict[str, AwareDatetime] = Field(default_factory=dict)
    escalated: dict[str, list[str]] = Field(default_factory=dict)
    # "<step>/<rung>/<deadline>" of every escalation sent: each rung of each deadline once.
    fired: list[str] = Field(default_factory=list)
    approved: list[str] = Field(default_factory=list)
    waived: list[str] = Field(default_factory=list)
    completed: list[str] = Field(default_factory=list)
    submitted: list[str] = Field(default_factory=list)
    ledgers: dict[str, NominationLedger] = Field(default_factory=dict)
    ledgers_loaded: bool = False
    started: bool = False
    # Nonces of the sealed updates accepted so far: a replayed update is refused.
    nonces: list[str] = Field(default_factory=list)
    # The approval or waiver of each step, from the moment it was decided.
    decided: dict[str, StepDecision] = Field(default_factory=dict)
    # The latest extension of each step's deadline.
    extended: dict[str, StepDecision] = Field(default_factory=dict)
    # Runs under "decisions-by-people": each body's decision is recorded by a person (the
    # engine writes no Noted), the JCM submission needs the Chair of the ASCN and the
    # shepherd, and the progress review is submitted by ASEC.
    people_decide: bool = False
    # Who has submitted each joint submission so far.
    report_submitted: dict[str, list[Submitter]] = Field(default_factory=dict)
    # The membership changes seen so far (the reference data's version, and the
    # candidature cities): from the store as the cycle starts, then from each change.
    membership: Membership = Field(default_factory=Membership)
    # Runs under "report-versions" (a plan with report_draft): ASEC drafts versions of the
    # report, the JCM submission names the latest, decisions from it on name its digest.
    report_versions: bool = False
    report: ReportMemory = Field(default_factory=ReportMemory)


class CycleInput(BaseModel):
    model_config = _FROZEN

    plan: CyclePlan
    reference: ReferenceData
    # Demo and simulation only: the cycle's clock runs this far from the server's,
    # so that a past year's calendar can be replayed on the time-skipping server.
    clock_offset: timedelta = timedelta(0)
    # A new run starts between steps once a run's history is this long, well below
    # Temporal's 10,000-event warning.
    continue_as_new_after: int = Field(default=4_000, ge=1)
    # Upsert year, current step and overdue count (see workflows/search.py).
    search_attributes: bool = False
    state: CycleMemory | None = None


class SealedUpdate(BaseModel):
    """Every update: who acts, and the services' seal over it (None only in histories
    recorded before seals existed; the validators refuse it)."""

    model_config = _FROZEN

    actor: Actor
    seal: Seal | None = None

    def sealed_payload(self) -> dict[str, Any]:
        """What the seal's MAC covers: everything but the seal, as JSON."""
        return self.model_dump(mode="json", exclude={"seal"})


class SubmitNominationsUpdate(SealedUpdate):
    member_state: str
    national_representative: Person
    cities: tuple[NominatedCity, ...]
    # Histories recorded before seals: the NR's own claim of when it sent it. Ignored
    # now; the seal's receipt time, stamped by the services, decides lateness.
    sent_at: AwareDatetime | None = None


class DeclareNilReturnUpdate(SealedUpdate):
    member_state: str
    sent_at: AwareDatetime | None = None


class GrantExceptionUpdate(SealedUpdate):
    member_state: str
    exception_id: str
    rule: ExceptionRule
    max_cities: int | None = None
    reason: str


class ApproveStepUpdate(SealedUpdate):
    step: str


class ExtendDeadlineUpdate(SealedUpdate):
    step: str
    # An instant (kept in the calendar's zone), or a date: the end of that day there.
    new_deadline: DeadlineInput
    reason: str
    # Later steps due before the new deadline move to it too (else it is refused).
    move_later_steps: bool = False

    def sealed_payload(self) -> dict[str, Any]:
        """Left out while False, so that seals made before the field existed still match."""
        payload = super().sealed_payload()
        if not self.move_later_steps:
            del payload["move_later_steps"]
        return payload


class WaiveStepUpdate(SealedUpdate):
    step: str
    reason: str


class RecordDecisionUpdate(SealedUpdate):
    step: str
    body: str
    decision: BodyDecision
    decided_on: date
    meeting: str
    concerning: str
    document_sha256: str | None = None
    # A deferral or a return reopens the step until this deadline (required for them).
    new_deadline: DeadlineInput | None = None


class SubmitReportUpdate(SealedUpdate):
    """The Chair of the ASCN or the shepherd submits the report (the actor says which)."""

    step: str = "jcm_submission"
    version: int | None = None
    """The version the submitter read: refused unless it is still the latest, so that a
    draft recorded meanwhile is never submitted unread (None: the latest, whichever)."""

    def sealed_payload(self) -> dict[str, Any]:
        """As before ``version`` existed when it names none: a seal made by services of
        either side of an upgrade still verifies."""
        payload = super().sealed_payload()
        if self.version is None:
            del payload["version"]
        return payload


class SubmitProgressReviewUpdate(SealedUpdate):
    step: str = "progress_review"


class DraftSection(BaseModel):
    """A section of the drafter's narrative as sent: the cycle checks it as the fact's
    ``NarrativeSection`` (a refusal names the field), never at decoding."""

    model_config = _FROZEN

    heading: str
    text: str


class DraftReportUpdate(SealedUpdate):
    """ASEC drafts the next version of the report. The services computed the report as
    of ``as_of_position`` (the log's position) with this narrative, and its SHA-256; the
    cycle numbers the version."""

    step: str = "report_draft"
    narrative: tuple[DraftSection, ...] = ()
    as_of_position: int
    document_sha256: str
    format: int = 1
    version: int | None = None
    """The version the digest was computed for (it covers the number): refused unless it
    is the next one, so that a draft recorded meanwhile is never mislabelled."""
    digest_as_latest: str | None = None
    """The SHA-256 of this draft's report computed as the latest version (its number and
    position), when the narrative is the latest's: equal to the latest's digest, the
    draft repeats it and is refused (by the validator, which replay does not run)."""


class SubmitReportDraftUpdate(SealedUpdate):
    """ASEC submits its latest version of the report: ``report_draft`` is settled."""

    step: str = "report_draft"
    version: int | None = None
    """The version ASEC read: refused unless it is still the latest, so that a draft
    recorded meanwhile is never submitted unread (None: the latest, whichever)."""

    def sealed_payload(self) -> dict[str, Any]:
        """As before ``version`` existed when it names none: a seal made by services of
        either side of an upgrade still verifies."""
        payload = super().sealed_payload()
        if self.version is None:
            del payload["version"]
        return payload


class ProposeCityUpdate(SealedUpdate):
    member_state: str
    city: str
    capital: bool = False


class DecideCityUpdate(SealedUpdate):
    member_state: str
    city: str
    decision: Literal["accepted", "declined"]
    reason: str = ""


class MembershipChanged(BaseModel):
    """A signal: the reference data (membership) reached ``version`` elsewhere."""

    model_config = _FROZEN

    version: int = Field(ge=0)


class UpdateResult(BaseModel):
    model_config = _FROZEN

    recorded: tuple[str, ...]
    """The types of the events recorded, in order."""
    version: int | None = None
    """The report's version the command drafted, submitted or named."""
    document_sha256: str | None = None
    """That version's SHA-256."""
    note: str | None = None
    """What else the command changed: submissions a new version voided."""
    as_of_position: int | None = None
    """A new version: the log's position the report is as of."""


StepState = Literal["pending", "open", "overdue", "completed", "waived"]


class StepStatus(BaseModel):
    model_config = _FROZEN

    step: str
    title: str
    state: StepState
    opens_at: datetime
    deadline: datetime
    owed_by: tuple[str, ...]
    escalated: tuple[str, ...]
    waiting_for: str | None = None
    """A joint submission still incomplete: "waiting for the shepherd"."""


class ReportStatus(BaseModel):
    """The report's versions in a cycle that keeps them."""

    model_config = _FROZEN

    versions: tuple[ReportVersion, ...]
    draft_submitted: int | None
    """The version ASEC submitted (settling report_draft)."""
    submitted_to_jcm: int | None
    """The version last submitted to the JCM: the one decisions name."""
    submitted_by: tuple[str, ...]
    """Who has submitted the latest version to the JCM (``nr:SG``, ``shepherd:SG``)."""
    still_to_submit: tuple[str, ...]
    """Who has yet to submit the latest version to the JCM (none once it completed)."""
    returned: int | None = None
    """A version the JCM returned for revision."""
    note: str | None = None
    """A new version voided submissions to the JCM: say so until both submitted again."""


class CycleStatus(BaseModel):
    model_config = _FROZEN

    year: int
    zone: str = "UTC"
    """The calendar's time zone: a deadline given as a date ends that day there."""
    chair: str
    shepherd: str
    now: datetime
    current_step: str | None
    overdue: tuple[str, ...]
    steps: tuple[StepStatus, ...]
    reference_version: int = 0
    """The version of the reference data (membership) the cycle decides with."""
    report: ReportStatus | None = None
    """The report's versions (cycles planned with a report_draft step)."""
