"""Facts of the reporting chain that people record: each body's decision, the joint
submission to the JCM, ASEC's progress review, and a step reopened by a deferral or a
return. They live in the cycle's stream, after the step's own facts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from domain.events.base import DomainEvent
from domain.events.records import Line
from domain.events.registry import REGISTRY
from domain.text import ENTERED_MULTI_LINE
from domain.values import NonEmptyStr, Year

BodyDecision = Literal["noted", "endorsed", "adopted", "deferred", "returned_for_revision"]
"""What a body up the chain decided about what was put to it."""
Submitter = Literal["chair_of_ascn", "shepherd"]
"""Who submits the report to the JCM: the Chair of the ASCN and the shepherd, both."""


@REGISTRY.register
class BodyDecisionRecorded(DomainEvent):
    """A body (the JCM, a sectoral body, the ACC, the Summit, the AMM) decided on what a
    step put to it, at a meeting, as a person of the Chair's team or ASEC recorded it."""

    year: Year
    step: NonEmptyStr
    body: NonEmptyStr
    decision: BodyDecision
    decided_on: date
    meeting: NonEmptyStr
    """The meeting's reference, e.g. "35th ASEAN Summit"."""
    concerning: NonEmptyStr
    """What it decided on: a document's reference and version."""
    document_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    reference_version: int = Field(default=0, ge=0)
    """The version of the reference data (membership) the cycle decided with."""


@REGISTRY.register
class StepReopened(DomainEvent):
    """A body deferred, or returned for revision, what a step put to it: the step is open
    again until ``new_deadline``, and its reminders and escalations start over."""

    year: Year
    step: NonEmptyStr
    body: NonEmptyStr
    decision: Literal["deferred", "returned_for_revision"]
    previous_deadline: AwareDatetime
    new_deadline: AwareDatetime


Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256 digest in lower-case hex."""
MAX_REPORT_VERSIONS = 999
MAX_NARRATIVE_SECTIONS = 20
MAX_NARRATIVE_TEXT = 20_000

NarrativeText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_NARRATIVE_TEXT, pattern=r"^[^\x00]*$"
    ),
    ENTERED_MULTI_LINE,
]
"""A section's text: several paragraphs, at most 20,000 characters, no NUL."""


class NarrativeSection(BaseModel):
    """A section of the drafter's own text: the one part of the report that is not
    computed from the events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    heading: Line
    text: NarrativeText


@REGISTRY.register
class ReportDrafted(DomainEvent):
    """ASEC (with its IMD) recorded draft ``version`` of the year's annual report.

    The version is the report computed from the events up to ``as_of_position`` (the
    global log's position when it was drafted), with ``narrative``; ``document_sha256``
    is the SHA-256 of that report's canonical JSON (``domain.report``), so anyone can
    compute it again from the store and compare. ``format`` is the report's format
    version the digest was made with."""

    year: Year
    version: int = Field(ge=1, le=MAX_REPORT_VERSIONS)
    as_of_position: int = Field(ge=0)
    document_sha256: Sha256
    narrative: tuple[NarrativeSection, ...] = Field(default=(), max_length=MAX_NARRATIVE_SECTIONS)
    format: int = Field(default=1, ge=1, le=1000)


@REGISTRY.register
class ReportDraftSubmitted(DomainEvent):
    """ASEC submitted draft ``version`` to the Chair of the ASCN and the shepherd: the
    ``report_draft`` step is settled."""

    year: Year
    step: NonEmptyStr
    version: int = Field(ge=1, le=MAX_REPORT_VERSIONS)
    document_sha256: Sha256


@REGISTRY.register
class ReportSubmitted(DomainEvent):
    """One of the two who submit the report to the JCM did so. From the report's
    versions on, it names the version submitted and its SHA-256; the version is frozen,
    and a later draft needs a new submission."""

    year: Year
    step: NonEmptyStr
    submitter: Submitter
    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSIONS)
    document_sha256: Sha256 | None = None


@REGISTRY.register
class ProgressReviewSubmitted(DomainEvent):
    """ASEC (IMD) has assessed every active project, or said why not."""

    year: Year
    step: NonEmptyStr
