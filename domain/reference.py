"""Reference data: member states, member cities, the Chair and the shepherd.

All of it is data (``domain/data/reference.json``), never code: admitting a new
member state or a candidature city is a data change. The models validate the
whole set on load, so a lookup never meets a contradiction.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Mapping
from datetime import date
from importlib import resources
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from domain.errors import (
    InvalidReferenceData,
    UnknownChair,
    UnknownCity,
    UnknownMemberState,
    UnknownShepherd,
)
from domain.reference_models import (
    ChairAnchor,
    ChairOverride,
    ChairRule,
    City,
    FrameworkTerm,
    MemberState,
    SectoralBodies,
    Shepherds,
    ShepherdTerm,
)
from domain.rotation import next_in_rotation
from domain.values import canonical_key, line_of

__all__ = [
    "ChairAnchor",
    "ChairOverride",
    "ChairRule",
    "City",
    "MemberState",
    "ReferenceData",
    "ShepherdTerm",
    "Shepherds",
]


class ReferenceData(BaseModel):
    """The whole reference set, validated as one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    member_states: tuple[MemberState, ...]
    cities: tuple[City, ...]
    chair: ChairRule
    shepherds: Shepherds
    sectoral_bodies: tuple[SectoralBodies, ...] = ()
    """Who receives the report for notation, per year (data, as the Chair is)."""
    # The framework's focus areas and the kinds of external partner (action plans,
    # partners); data sets from before them have none.
    focus_areas: tuple[FrameworkTerm, ...] = ()
    partner_kinds: tuple[FrameworkTerm, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_consistency(self)
        return self

    # -- construction ---------------------------------------------------------

    @classmethod
    def load(cls) -> ReferenceData:
        """The packaged reference data (read once, then cached)."""
        return _packaged()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ReferenceData:
        """Validate raw reference data; any problem raises InvalidReferenceData."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise InvalidReferenceData(f"invalid reference data: {line_of(exc)}") from exc

    def with_member_state(self, state: MemberState) -> ReferenceData:
        """A copy with one more member state (e.g. a newly admitted AMS)."""
        return self._rebuild(member_states=(*self.member_states, state))

    def with_city(self, city: City) -> ReferenceData:
        """A copy with one more city (e.g. a candidature city)."""
        return self._rebuild(cities=(*self.cities, city))

    def _rebuild(self, **changes: Any) -> ReferenceData:
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        fields.update(changes)
        return ReferenceData.from_dict(fields)

    # -- member states --------------------------------------------------------

    def member_state(self, code: str) -> MemberState:
        for state in self.member_states:
            if state.code == code:
                return state
        known = ", ".join(sorted(s.code for s in self.member_states))
        raise UnknownMemberState(
            f"unknown member state {code!r}: no ASEAN member state has that code; known: {known}"
        )

    def is_member(self, code: str, on: date) -> bool:
        """Whether ``code`` had joined ASEAN on ``on``. Unknown codes are not members."""
        return any(s.code == code and s.joined <= on for s in self.member_states)

    def members_on(self, on: date) -> list[MemberState]:
        """The member states on ``on``, in alphabetical order of their English names."""
        members = [s for s in self.member_states if s.joined <= on]
        return sorted(members, key=_english_name)

    def capital_of(self, code: str) -> str:
        return self.member_state(code).capital

    # -- cities ---------------------------------------------------------------

    def city(self, member_state_code: str, name: str) -> City:
        """The canonical city, matching the name case-insensitively, whitespace stripped."""
        self.member_state(member_state_code)
        key = canonical_key(name)
        for city in self.cities:
            if city.member_state == member_state_code and canonical_key(city.name) == key:
                return city
        known = ", ".join(c.name for c in self.cities_of(member_state_code)) or "none"
        raise UnknownCity(
            f"unknown city {name.strip()!r} for member state {member_state_code}; known: {known}"
        )

    def cities_of(self, code: str, year: int | None = None) -> list[City]:
        """The member state's cities (those that had joined by ``year`` if given), by name."""
        self.member_state(code)
        found = [
            c
            for c in self.cities
            if c.member_state == code and (year is None or c.joined_year <= year)
        ]
        return sorted(found, key=lambda c: c.name.casefold())

    # -- Chair and shepherd ---------------------------------------------------

    def chair_for(self, year: int) -> MemberState:
        """The ASEAN Chair of ``year``: an override, else the next state alphabetically.

        The rotation runs from the anchor year, among the states that are members on
        1 January of each year. It is computed iteratively, year by year.
        """
        anchor = self.chair.anchor
        if year < anchor.year:
            raise UnknownChair(
                f"no ASEAN Chair is known for {year}: the rotation starts in {anchor.year} "
                f"with {anchor.member_state}"
            )
        overrides = {o.year: o.member_state for o in self.chair.overrides}
        by_name = sorted(self.member_states, key=_english_name)
        chair = self.member_state(overrides.get(anchor.year, anchor.member_state))
        for current in range(anchor.year + 1, year + 1):
            if current in overrides:
                chair = self.member_state(overrides[current])
                continue
            first_january = date(current, 1, 1)
            members = [s for s in by_name if s.joined <= first_january]
            if not members:
                raise UnknownChair(f"no member states on 1 January {current}")
            chair = next_in_rotation(chair, members, key=_english_name)
        return chair

    def sectoral_bodies_for(self, year: int) -> tuple[str, ...]:
        """The sectoral bodies that receive the ``year`` report for notation."""
        return tuple(b for s in self.sectoral_bodies if s.covers(year) for b in s.bodies)

    def shepherd_for(self, year: int) -> MemberState:
        for term in self.shepherds.terms:
            if term.covers(year):
                return self.member_state(term.member_state)
        raise UnknownShepherd(f"no ASCN shepherd term covers {year}")


def _english_name(state: MemberState) -> str:
    return state.name.casefold()


@functools.cache
def _packaged() -> ReferenceData:
    text = resources.files("domain").joinpath("data/reference.json").read_text("utf-8")
    return ReferenceData.from_dict(json.loads(text))


def _check_consistency(data: ReferenceData) -> None:
    """Raise ValueError (turned into a validation error by pydantic) on any contradiction."""
    codes = [s.code for s in data.member_states]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"duplicate member state codes: {', '.join(duplicates)}")
    known = set(codes)
    seen: set[tuple[str, str]] = set()
    for city in data.cities:
        if city.member_state not in known:
            raise ValueError(f"city {city.name!r} names unknown member state {city.member_state}")
        key = (city.member_state, canonical_key(city.name))
        if key in seen:
            raise ValueError(f"city {city.name!r} is listed twice for {city.member_state}")
        seen.add(key)
    for state in data.member_states:
        flagged = [c.name for c in data.cities if c.member_state == state.code and c.capital]
        if len(flagged) > 1:
            names = ", ".join(repr(n) for n in flagged)
            raise ValueError(f"{state.code} has {len(flagged)} capital cities: {names}")
        if flagged and canonical_key(flagged[0]) != canonical_key(state.capital):
            raise ValueError(
                f"city {flagged[0]!r} is flagged capital but {state.code}'s capital "
                f"is {state.capital!r}"
            )
    named = [("chair anchor", data.chair.anchor.member_state)]
    named += [(f"chair override {o.year}", o.member_state) for o in data.chair.overrides]
    named += [(f"shepherd term {t.from_year}", t.member_state) for t in data.shepherds.terms]
    for what, code in named:
        if code not in known:
            raise ValueError(f"{what} names unknown member state {code}")
    _check_years(data)


def _check_years(data: ReferenceData) -> None:
    years = [o.year for o in data.chair.overrides]
    if len(years) != len(set(years)):
        raise ValueError(f"more than one chair override for a year: {sorted(years)}")
    terms = sorted(data.shepherds.terms, key=lambda t: t.from_year)
    for term in terms:
        if term.to_year is not None and term.to_year < term.from_year:
            raise ValueError(
                f"shepherd term of {term.member_state} ends ({term.to_year}) "
                f"before it starts ({term.from_year})"
            )
    for earlier, later in itertools.pairwise(terms):
        if earlier.to_year is None or earlier.to_year >= later.from_year:
            raise ValueError(
                f"shepherd terms of {earlier.member_state} (from {earlier.from_year}) and "
                f"{later.member_state} (from {later.from_year}) overlap"
            )
