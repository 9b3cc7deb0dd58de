"""Request bodies of the chain's routes: each body's decision, a draft of the report, the
candidature cities; and the answers that name a version of the report. Unknown fields
are refused (422); lengths are capped as the cycle caps them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.models import Name, Reason, Recorded
from domain.deadlines import DeadlineInput
from domain.events import BodyDecision, NarrativeSection
from domain.events.chain import MAX_NARRATIVE_SECTIONS, MAX_REPORT_VERSIONS
from domain.report_versions import MAX_NARRATIVE_BYTES, count_sections, narrative_bytes
from domain.text import MULTI_LINE_TEXT, ONE_LINE_TEXT
from domain.values import MemberStateCode, NonEmptyStr

_BODY = ConfigDict(extra="forbid")


class DecisionBody(BaseModel):
    model_config = _BODY

    body: Annotated[NonEmptyStr, Field(max_length=200, examples=["JCM", "ACC", "Summit", "AMM"]),
                    ONE_LINE_TEXT]  # fmt: skip
    """The JCM, the ACC, the Summit, the AMM, or a sectoral body of that year."""
    decision: BodyDecision
    decided_on: Annotated[date, Field(ge=date(1967, 1, 1), le=date(9999, 12, 31))]
    meeting: Annotated[NonEmptyStr, Field(max_length=200, examples=["35th ASEAN Summit"]),
                       ONE_LINE_TEXT]  # fmt: skip
    concerning: Annotated[NonEmptyStr, Field(max_length=500,
                                             examples=["ASCN annual report 2019, v1"]),
                          ONE_LINE_TEXT]  # fmt: skip
    """What it decided on: a document's reference and version."""
    document_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    new_deadline: DeadlineInput | None = None
    """Required when the decision is ``deferred`` or ``returned_for_revision``: the step
    opens again until then (a date is the end of that day in the cycle's zone)."""


class SubmissionBody(BaseModel):
    """What a submission may say (ASEC's of its draft, or one to the JCM): the version its
    submitter read."""

    model_config = _BODY

    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSIONS, examples=[2])
    """Refused (409, naming both versions) unless it is still the latest when the cycle
    records the submission; left out, the latest is submitted, whichever it is then."""


class DraftBody(BaseModel):
    """ASEC's own text of the report: everything else is computed from the events."""

    model_config = _BODY

    narrative: tuple[NarrativeSection, ...] = Field(
        default=(), max_length=MAX_NARRATIVE_SECTIONS,
        examples=[[{"heading": "Foreword", "text": "The ASCN's first year..."}]],
    )  # fmt: skip
    """Sections: a one-line heading (at most 200 characters) and its text (paragraphs,
    at most 20,000 characters); at most 64 KiB as JSON in all."""

    _sections = field_validator("narrative", mode="before")(count_sections)

    @field_validator("narrative")
    @classmethod
    def _within_budget(cls, value: tuple[NarrativeSection, ...]) -> tuple[NarrativeSection, ...]:
        size = narrative_bytes([(s.heading, s.text) for s in value])
        if size > MAX_NARRATIVE_BYTES:
            raise ValueError(f"{size:,} bytes as JSON; at most {MAX_NARRATIVE_BYTES:,} in all")
        return value


class Drafted(Recorded):
    """A new version of the report."""

    version: int
    document_sha256: str
    as_of_position: int
    """The position of the log the report is as of: ``GET /v1/cycles/{year}/report/
    {version}`` rebuilds it from the events up to there and checks its SHA-256."""
    note: str | None = None
    """Submissions to the JCM of an older version it voided, if any."""


class Submitted(Recorded):
    """A version of the report submitted (a cycle that keeps versions names it)."""

    version: int | None = None
    document_sha256: str | None = None
    note: str | None = None
    """Who has yet to submit that version to the JCM."""


class CandidatureCity(BaseModel):
    model_config = _BODY

    member_state: MemberStateCode
    city: Name
    capital: bool = False


class CityDecision(BaseModel):
    model_config = _BODY

    member_state: MemberStateCode
    city: Name
    decision: Literal["accepted", "declined"]
    reason: Annotated[str, Field(max_length=2000), MULTI_LINE_TEXT] = ""
    """Required to decline."""


__all__ = [
    "CandidatureCity", "CityDecision", "DecisionBody", "DraftBody", "Drafted", "Reason",
    "Submitted",
]  # fmt: skip
