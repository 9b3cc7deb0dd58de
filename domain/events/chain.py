"""Facts of the reporting chain that people record: each body's decision, the joint
submission to the JCM, ASEC's progress review, and a step reopened by a deferral or a
return. They live in the cycle's stream, after the step's own facts."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from domain.events.base import DomainEvent
from domain.events.registry import REGISTRY
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


@REGISTRY.register
class ReportSubmitted(DomainEvent):
    """One of the two who submit the report to the JCM did so."""

    year: Year
    step: NonEmptyStr
    submitter: Submitter


@REGISTRY.register
class ProgressReviewSubmitted(DomainEvent):
    """ASEC (IMD) has assessed every active project, or said why not."""

    year: Year
    step: NonEmptyStr
