"""Nomination events (one stream per member state, across years)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from domain.events.base import DomainEvent
from domain.events.registry import REGISTRY
from domain.text import ENTERED_ONE_LINE
from domain.values import Email, MemberStateCode, NonEmptyStr, Year

ExceptionRule = Literal["max_cities", "capital_required"]
"""The nomination rules the Chair's team may grant an exception to."""

V1_MAX_CITIES = 4
"""What a v1 ExceptionGranted for ``max_cities`` meant: one city more than the limit
of three at the time. Fixed here so old events keep their meaning if the limit moves."""


class Person(BaseModel):
    """A named person with an e-mail address (an NR or a CSCO)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[NonEmptyStr, ENTERED_ONE_LINE]
    email: Annotated[Email, ENTERED_ONE_LINE]


class CityNomination(BaseModel):
    """One nominated city, its capital flag (from reference data) and its CSCO."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    city: NonEmptyStr
    capital: bool
    csco: Person


@REGISTRY.register
class NominationsSubmitted(DomainEvent):
    """The NR's accepted list of cities and CSCOs for ``year``."""

    year: Year
    member_state: MemberStateCode
    national_representative: Person
    cities: tuple[CityNomination, ...]
    exceptions_applied: tuple[NonEmptyStr, ...] = ()
    reference_version: int = 0
    """The version of the reference data (membership) the cycle decided with."""


@REGISTRY.register
class LateSubmissionRecorded(DomainEvent):
    """A submission arrived after its deadline; it was accepted and this is on record."""

    year: Year
    member_state: MemberStateCode
    deadline: AwareDatetime
    submitted_at: AwareDatetime


@REGISTRY.register
class NilReturnDeclared(DomainEvent):
    """A "no change" return: ``year`` carries forward an earlier year's nominations."""

    year: Year
    member_state: MemberStateCode
    carried_forward_from: Year
    reference_version: int = 0
    """The version of the reference data (membership) the cycle decided with."""

    @model_validator(mode="after")
    def _earlier_year(self) -> Self:
        if self.carried_forward_from >= self.year:
            raise ValueError(
                f"a nil return for {self.year} must carry forward an earlier year, "
                f"not {self.carried_forward_from}"
            )
        return self


@REGISTRY.register
class ExceptionGranted(DomainEvent):
    """The Chair's team let ``member_state`` break ``rule`` in ``year``.

    v2 added ``max_cities`` (the number of cities allowed; None for capital_required).
    """

    schema_version: ClassVar[int] = 2

    year: Year
    member_state: MemberStateCode
    exception_id: NonEmptyStr
    rule: ExceptionRule
    max_cities: int | None
    reason: NonEmptyStr
    reference_version: int = 0
    """The version of the reference data (membership) the cycle decided with."""


def _exception_granted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    max_cities = V1_MAX_CITIES if data.get("rule") == "max_cities" else None
    return {**data, "max_cities": max_cities}


REGISTRY.register_upcaster("ExceptionGranted", 1, _exception_granted_v1_to_v2)
