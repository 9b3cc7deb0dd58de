"""Candidature cities, and the reference data's version.

The packaged reference data (``domain/data/reference.json``) is version 0. Every
membership change is an event of the ``membership`` stream (``CityProposed``,
``CityDecided``), and the stream's length is the version: a cycle that has seen version
N decides with the packaged data plus the first N changes, and records N in its
decisions. An accepted city is a member city from the year of the Chair's team that
accepted it, and can be nominated in that year's cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.errors import DomainError
from domain.events.base import DomainEvent
from domain.events.membership import CityDecided, CityProposed
from domain.reference import City, ReferenceData
from domain.values import canonical_key

MEMBERSHIP_STREAM = "membership"
MAX_CITY_NAME, MAX_REASON = 200, 2000
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class MembershipRefused(DomainError):
    """A candidature city that cannot be proposed, accepted or declined as asked."""


class Candidate(BaseModel):
    model_config = _FROZEN

    member_state: str
    city: str
    capital: bool
    year: int
    state: Literal["proposed", "accepted", "declined"] = "proposed"


class Membership(BaseModel):
    """The membership changes folded: the version, and every candidature city."""

    model_config = _FROZEN

    version: int = 0
    candidates: tuple[Candidate, ...] = ()

    @classmethod
    def from_events(cls, events: Iterable[DomainEvent]) -> Membership:
        membership = cls()
        for event in events:
            membership = membership.apply(event)
        return membership

    def apply(self, event: DomainEvent) -> Membership:
        if isinstance(event, CityProposed):
            new = Candidate(member_state=event.member_state, city=event.city,
                            capital=event.capital, year=event.year)  # fmt: skip
            candidates = (*self.candidates, new)
        elif isinstance(event, CityDecided):
            candidates = tuple(
                c.model_copy(update={"state": event.decision, "year": event.year})
                if c.state == "proposed" and _same(c, event.member_state, event.city)
                else c
                for c in self.candidates
            )
        else:
            return self
        return Membership(version=self.version + 1, candidates=candidates)

    def pending(self, member_state: str, city: str) -> Candidate | None:
        return next(
            (c for c in self.candidates if c.state == "proposed" and _same(c, member_state, city)),
            None,
        )

    def accepted(self) -> list[Candidate]:
        return [c for c in self.candidates if c.state == "accepted"]

    def reference(self, base: ReferenceData) -> ReferenceData:
        """The packaged data with every accepted city added."""
        for accepted in self.accepted():
            city = City(
                name=accepted.city, member_state=accepted.member_state,
                capital=accepted.capital, joined_year=accepted.year, pilot=False,
            )  # fmt: skip
            base = base.with_city(city)
        return base


def propose_city(
    membership: Membership,
    reference: ReferenceData,
    *,
    year: int,
    member_state: str,
    city: str,
    capital: bool,
) -> CityProposed:
    """An NR proposes a city of its member state; refused for a city already a member
    city or already waiting for the Chair's team, or a capital other than the state's."""
    name = city.strip()
    _one_line(name, "city", MAX_CITY_NAME)
    current = membership.reference(reference)
    state = current.member_state(member_state)
    known = {canonical_key(c.name) for c in current.cities_of(member_state)}
    if canonical_key(name) in known:
        raise MembershipRefused(f"city: {name} is already a city of {member_state}")
    if membership.pending(member_state, name) is not None:
        raise MembershipRefused(
            f"city: {name} of {member_state} is already proposed and waits for the Chair's team"
        )
    if capital and canonical_key(name) != canonical_key(state.capital):
        raise MembershipRefused(f"capital: {member_state}'s capital is {state.capital}, not {name}")
    return CityProposed(year=year, member_state=member_state, city=name, capital=capital)


def decide_city(
    membership: Membership,
    *,
    year: int,
    member_state: str,
    city: str,
    decision: Literal["accepted", "declined"],
    reason: str,
) -> CityDecided:
    """The Chair's team accepts or declines a proposed city (a reason is needed to decline)."""
    name = city.strip()
    candidate = membership.pending(member_state, name)
    if candidate is None:
        waiting = [c.city for c in membership.candidates
                   if c.state == "proposed" and c.member_state == member_state]  # fmt: skip
        raise MembershipRefused(
            f"city: {name} of {member_state} is not a proposed candidature city; "
            f"waiting: {', '.join(waiting) or 'none'}"
        )
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise MembershipRefused(f"reason: at most {MAX_REASON} characters, no NUL")
    if decision == "declined" and not reason.strip():
        raise MembershipRefused("reason: declining a candidature city needs a reason")
    return CityDecided(year=year, member_state=member_state, city=candidate.city,
                       decision=decision, reason=reason.strip())  # fmt: skip


def _same(candidate: Candidate, member_state: str, city: str) -> bool:
    return candidate.member_state == member_state and canonical_key(
        candidate.city
    ) == canonical_key(city)


def _one_line(text: str, field: str, limit: int) -> None:
    if not text:
        raise MembershipRefused(f"{field}: must not be empty")
    if len(text) > limit:
        raise MembershipRefused(f"{field}: {len(text)} characters long; at most {limit}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise MembershipRefused(f"{field}: holds control characters")
