"""Request bodies of the chain's routes: each body's decision, the candidature cities.
Unknown fields are refused (422); lengths are capped as the cycle caps them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models import NO_NUL, ONE_LINE, Name, Reason
from domain.deadlines import DeadlineInput
from domain.events import BodyDecision
from domain.values import MemberStateCode, NonEmptyStr

_BODY = ConfigDict(extra="forbid")


class DecisionBody(BaseModel):
    model_config = _BODY

    body: Annotated[NonEmptyStr, Field(max_length=200, pattern=ONE_LINE,
                                       examples=["JCM", "ACC", "Summit", "AMM"])]  # fmt: skip
    """The JCM, the ACC, the Summit, the AMM, or a sectoral body of that year."""
    decision: BodyDecision
    decided_on: Annotated[date, Field(ge=date(1967, 1, 1), le=date(9999, 12, 31))]
    meeting: Annotated[NonEmptyStr, Field(max_length=200, pattern=ONE_LINE,
                                          examples=["35th ASEAN Summit"])]  # fmt: skip
    concerning: Annotated[NonEmptyStr, Field(max_length=500, pattern=ONE_LINE,
                                             examples=["ASCN annual report 2019, v1"])]  # fmt: skip
    """What it decided on: a document's reference and version."""
    document_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    new_deadline: DeadlineInput | None = None
    """Required when the decision is ``deferred`` or ``returned_for_revision``: the step
    opens again until then (a date is the end of that day in the cycle's zone)."""


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
    reason: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] = ""
    """Required to decline."""


__all__ = ["CandidatureCity", "CityDecision", "DecisionBody", "Reason"]
