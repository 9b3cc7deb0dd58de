"""The leaf records of the reference data: member states, cities, Chair and shepherd rules."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, field_validator

from domain.civil_time import check_zone
from domain.values import MemberStateCode, NonEmptyStr, Year

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class MemberState(BaseModel):
    """An ASEAN Member State (AMS)."""

    model_config = _FROZEN

    code: MemberStateCode
    name: NonEmptyStr
    joined: date
    capital: NonEmptyStr
    zone: str | None = None
    """The IANA time zone its mail is read in (its capital's): reminders go out at 09:00
    there. None: the calendar's own zone."""

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)


class City(BaseModel):
    """A member city (or candidature city) of the network."""

    model_config = _FROZEN

    name: NonEmptyStr
    member_state: MemberStateCode
    capital: bool
    joined_year: Year
    pilot: bool


class ChairAnchor(BaseModel):
    """The year the rotation is counted from, and who chaired then."""

    model_config = _FROZEN

    year: Year
    member_state: MemberStateCode


class ChairOverride(BaseModel):
    """A year whose ASEAN Chair departed from the alphabetical rotation."""

    model_config = _FROZEN

    year: Year
    member_state: MemberStateCode
    note: str = ""


class ChairRule(BaseModel):
    """The rotation's anchor and its overrides."""

    model_config = _FROZEN

    anchor: ChairAnchor
    overrides: tuple[ChairOverride, ...] = ()


class ShepherdTerm(BaseModel):
    """An AMS serving as the ASCN shepherd from one year to another (open-ended if None)."""

    model_config = _FROZEN

    member_state: MemberStateCode
    from_year: Year
    to_year: Year | None = None
    note: str = ""

    def covers(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)


class Shepherds(BaseModel):
    """The shepherd terms, in order."""

    model_config = _FROZEN

    terms: tuple[ShepherdTerm, ...]


class SectoralBodies(BaseModel):
    """The sectoral bodies that receive the report for notation, from one year to
    another (open-ended if None)."""

    model_config = _FROZEN

    from_year: Year
    to_year: Year | None = None
    bodies: tuple[NonEmptyStr, ...]
    note: str = ""

    def covers(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)


class FrameworkTerm(BaseModel):
    """A term of the framework kept as data: a focus area, a kind of external partner."""

    model_config = _FROZEN

    id: NonEmptyStr
    name: NonEmptyStr
