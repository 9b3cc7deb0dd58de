"""ASEAN's external partners, the twinning of cities with them, and the projects
launched with partners at an annual meeting.

The partner list grows by events: the Chair's team adds a partner, and the outcome of
an annual meeting adds the partners it brought in. A twinning pair is a city and one
partner, from a start to an end; a city pairs with one partner at a time, and a pair
whose period overlaps another of the same city is refused unless it names an exception
the Chair's team recorded for that city (each exception allows one such pair).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.errors import DomainError
from domain.events import (
    DomainEvent,
    PartnerAdded,
    ProjectLaunchedAtMeeting,
    TwinningExceptionRecorded,
    TwinningPaired,
)
from domain.events.records import BoundedDate, CityId, Line, PlanYear, Slug, Text
from domain.plans import city_by_id, member_city
from domain.reference import ReferenceData

_COMMAND = ConfigDict(frozen=True, extra="forbid")
MAX_OUTCOMES = 50


class PartnerError(DomainError):
    pass


class UnknownPartnerKind(PartnerError):
    pass


class DuplicatePartner(PartnerError):
    pass


class UnknownPartner(PartnerError):
    pass


class OverlappingTwinning(PartnerError):
    pass


class UnknownTwinningException(PartnerError):
    pass


class DuplicateOutcome(PartnerError):
    pass


class DuplicateTwinningException(PartnerError):
    pass


class NewPartner(BaseModel):
    model_config = _COMMAND

    partner_id: Slug
    name: Line
    kind: Slug


class AddPartner(NewPartner):
    year: PlanYear
    """The year it joins the list."""


class Launch(BaseModel):
    model_config = _COMMAND

    city_id: CityId
    project_id: Slug
    title: Line
    partner_id: Slug


class RecordMeetingOutcome(BaseModel):
    """The outcome of the annual meeting of ``year``: partners it brought in, projects
    launched with partners."""

    model_config = _COMMAND

    year: PlanYear
    partners: tuple[NewPartner, ...] = Field(default=(), max_length=MAX_OUTCOMES)
    launches: tuple[Launch, ...] = Field(default=(), max_length=MAX_OUTCOMES)

    @model_validator(mode="after")
    def _something(self) -> RecordMeetingOutcome:
        if not self.partners and not self.launches:
            raise ValueError("an outcome names at least one partner or one launched project")
        return self


class PairCity(BaseModel):
    model_config = _COMMAND

    city_id: CityId
    partner_id: Slug
    starts: BoundedDate
    ends: BoundedDate
    exception_id: Slug | None = None

    @model_validator(mode="after")
    def _period(self) -> PairCity:
        if self.ends < self.starts:
            raise ValueError(f"ends ({self.ends}) is before starts ({self.starts})")
        return self


class RecordTwinningException(BaseModel):
    model_config = _COMMAND

    year: PlanYear
    """The year it is recorded in (whose Chair's team records it)."""
    city_id: CityId
    exception_id: Slug
    reason: Text


class PartnersState(BaseModel):
    """The partners stream, folded: the partners by id, and the launches recorded."""

    model_config = ConfigDict(frozen=True)

    partners: dict[str, PartnerAdded] = {}
    launches: tuple[str, ...] = ()

    def apply(self, fact: DomainEvent) -> PartnersState:
        if isinstance(fact, PartnerAdded):
            return PartnersState(
                partners={**self.partners, fact.partner_id: fact}, launches=self.launches
            )
        if isinstance(fact, ProjectLaunchedAtMeeting):
            key = _launch_key(fact.year, fact.city_id, fact.project_id)
            return PartnersState(partners=self.partners, launches=(*self.launches, key))
        return self

    @classmethod
    def of(cls, facts: Iterable[DomainEvent]) -> PartnersState:
        state = cls()
        for fact in facts:
            state = state.apply(fact)
        return state


def _launch_key(year: int, city_id: str, project_id: str) -> str:
    return f"{year}/{city_id}/{project_id}"


def _new_partner(
    state: PartnersState,
    partner: NewPartner,
    year: int,
    reference: ReferenceData,
    source: str,
    taken: Mapping[str, str],
) -> PartnerAdded:
    kinds = {kind.id for kind in reference.partner_kinds}
    if partner.kind not in kinds:
        raise UnknownPartnerKind(
            f"partner {partner.partner_id}: unknown kind {partner.kind!r}; the kinds are "
            f"{', '.join(sorted(kinds)) or 'none'}"
        )
    if partner.partner_id in state.partners or partner.partner_id in taken:
        raise DuplicatePartner(f"partner id {partner.partner_id!r} is already on the list")
    names = {p.name.casefold(): p.partner_id for p in state.partners.values()}
    names.update(taken)
    same = names.get(partner.name.casefold())
    if same is not None:
        raise DuplicatePartner(f"{partner.name!r} is already on the list as {same}")
    return PartnerAdded(
        partner_id=partner.partner_id,
        name=partner.name,
        kind=partner.kind,
        year=year,
        source=source,  # type: ignore[arg-type]
    )


def add_partner(
    state: PartnersState, command: AddPartner, reference: ReferenceData
) -> list[DomainEvent]:
    return [_new_partner(state, command, command.year, reference, "chair_team", {})]


def record_meeting_outcome(
    state: PartnersState, command: RecordMeetingOutcome, reference: ReferenceData
) -> list[DomainEvent]:
    """The partners the meeting brought in, then the projects it launched; a launch's
    partner is on the list or among those brought in, its city a member city that year."""
    decided: list[DomainEvent] = []
    taken: dict[str, str] = {}
    for partner in command.partners:
        added = _new_partner(state, partner, command.year, reference, "annual_meeting", taken)
        taken[added.partner_id] = added.partner_id
        taken[added.name.casefold()] = added.partner_id
        decided.append(added)
    seen = set(state.launches)
    for launch in command.launches:
        member_city(reference, launch.city_id, command.year)
        if launch.partner_id not in state.partners and launch.partner_id not in taken:
            raise UnknownPartner(
                f"launch of {launch.city_id}/{launch.project_id}: unknown partner "
                f"{launch.partner_id!r}"
            )
        key = _launch_key(command.year, launch.city_id, launch.project_id)
        if key in seen:
            raise DuplicateOutcome(
                f"{launch.city_id}/{launch.project_id} is already recorded as launched at the "
                f"{command.year} annual meeting"
            )
        seen.add(key)
        decided.append(
            ProjectLaunchedAtMeeting(
                year=command.year,
                city_id=launch.city_id,
                project_id=launch.project_id,
                title=launch.title,
                partner_id=launch.partner_id,
            )
        )
    return decided


class TwinningState(BaseModel):
    """A city's twinning stream, folded: its pairs, and the exceptions granted and used."""

    model_config = ConfigDict(frozen=True)

    pairs: tuple[TwinningPaired, ...] = ()
    exceptions: dict[str, str] = {}

    @property
    def used(self) -> set[str]:
        return {p.exception_id for p in self.pairs if p.exception_id is not None}

    def apply(self, fact: DomainEvent) -> TwinningState:
        if isinstance(fact, TwinningPaired):
            return TwinningState(pairs=(*self.pairs, fact), exceptions=self.exceptions)
        if isinstance(fact, TwinningExceptionRecorded):
            return TwinningState(
                pairs=self.pairs, exceptions={**self.exceptions, fact.exception_id: fact.reason}
            )
        return self

    @classmethod
    def of(cls, facts: Iterable[DomainEvent]) -> TwinningState:
        state = cls()
        for fact in facts:
            state = state.apply(fact)
        return state


def pair_city(
    state: TwinningState,
    command: PairCity,
    reference: ReferenceData,
    partners: Mapping[str, PartnerAdded] | None,
) -> list[DomainEvent]:
    """The pair; refused for a city not a member city in its first year, an unknown
    partner (``partners``: the list, None where it is not at hand), or a period that
    overlaps another pair of the city without an unused exception."""
    member_city(reference, command.city_id, command.starts.year)
    if partners is not None and command.partner_id not in partners:
        raise UnknownPartner(f"unknown partner {command.partner_id!r}: add it to the list first")
    overlapping = [p for p in state.pairs if p.starts <= command.ends and command.starts <= p.ends]
    same = [p for p in overlapping if p.partner_id == command.partner_id]
    if same:
        raise OverlappingTwinning(
            f"{command.city_id} is already paired with {command.partner_id} from "
            f"{same[0].starts} to {same[0].ends}"
        )
    exception = command.exception_id
    if exception is not None:
        if exception not in state.exceptions:
            raise UnknownTwinningException(
                f"no exception {exception!r} is recorded for {command.city_id}"
            )
        if exception in state.used:
            raise UnknownTwinningException(f"exception {exception!r} is already used")
    if overlapping and exception is None:
        other = overlapping[0]
        raise OverlappingTwinning(
            f"{command.city_id} is paired with {other.partner_id} from {other.starts} to "
            f"{other.ends}: a city pairs with one partner at a time, unless the Chair's "
            "team records an exception"
        )
    return [
        TwinningPaired(
            city_id=command.city_id,
            partner_id=command.partner_id,
            starts=command.starts,
            ends=command.ends,
            exception_id=exception if overlapping else None,
        )
    ]


def record_twinning_exception(
    state: TwinningState, command: RecordTwinningException, reference: ReferenceData
) -> list[DomainEvent]:
    city_by_id(reference, command.city_id)
    if command.exception_id in state.exceptions:
        raise DuplicateTwinningException(
            f"exception {command.exception_id!r} is already recorded for {command.city_id}"
        )
    return [
        TwinningExceptionRecorded(
            city_id=command.city_id, exception_id=command.exception_id, reason=command.reason
        )
    ]
