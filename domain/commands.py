"""Commands: what someone asks the domain to do. Rules decide and emit events."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict

from domain.actors import Actor
from domain.events.nominations import ExceptionRule, Person
from domain.text import ENTERED_ONE_LINE
from domain.values import MemberStateCode, NonEmptyStr, Year

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class NominatedCity(BaseModel):
    """A city as the NR names it, with its CSCO. The capital flag comes from reference data."""

    model_config = _FROZEN

    city: Annotated[NonEmptyStr, ENTERED_ONE_LINE]
    csco: Person


class SubmitNominations(BaseModel):
    """The NR submits ``member_state``'s cities, their CSCOs and the NR for ``year``."""

    model_config = _FROZEN

    year: Year
    member_state: MemberStateCode
    submitted_by: Actor
    submitted_at: AwareDatetime
    deadline: AwareDatetime
    national_representative: Person
    cities: tuple[NominatedCity, ...]
    reference_version: int = 0
    """The version of the reference data (membership) the cycle decides with."""


class DeclareNilReturn(BaseModel):
    """The NR declares "no change": last accepted nominations carry forward to ``year``."""

    model_config = _FROZEN

    year: Year
    member_state: MemberStateCode
    submitted_by: Actor
    submitted_at: AwareDatetime
    deadline: AwareDatetime
    reference_version: int = 0


class GrantException(BaseModel):
    """The Chair's team lets ``member_state`` break one nomination rule in ``year``.

    ``reason`` and ``max_cities`` are checked by the rule, so that a refusal names
    the problem in the domain's words.
    """

    model_config = _FROZEN

    year: Year
    member_state: MemberStateCode
    granted_by: Actor
    exception_id: NonEmptyStr
    rule: ExceptionRule
    max_cities: int | None = None
    reason: str
    reference_version: int = 0
