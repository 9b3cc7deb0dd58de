"""Action plans: each member city's plan for a period, its projects, and its versions.

The city's CSCO (``csco:<city-id>``) or the NR of its member state submits the plan and
revises it; every revision is a new version and the earlier ones stay on record. A
plan is refused if it names a focus area the framework does not have, a city that is
not a member city in the plan's first year, or one project id twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.errors import DomainError, UnknownCity
from domain.events import ActionPlanSubmitted, DomainEvent
from domain.events.records import CityId, PlanYear, Project
from domain.reference import City, ReferenceData

MAX_PROJECTS = 100
MAX_PERIOD_YEARS = 15
MAX_PLAN_BYTES = 200_000
"""A plan's JSON at most: it travels in one Temporal update and one event (2 MB limits)."""


class PlanError(DomainError):
    """An action plan that cannot be recorded; the message says why."""


class UnknownFocusArea(PlanError):
    pass


class NotAMemberCity(PlanError):
    pass


class DuplicateProject(PlanError):
    pass


class NothingChanged(PlanError):
    pass


def city_id(city: City) -> str:
    """``KH-siem-reap``: the AMS, then the name in lower case with '-' between words."""
    slug = re.sub(r"[^a-z0-9]+", "-", city.name.casefold()).strip("-")
    return f"{city.member_state}-{slug}"


def city_by_id(reference: ReferenceData, ident: str) -> City:
    for city in reference.cities:
        if city_id(city) == ident:
            return city
    known = ", ".join(sorted(city_id(c) for c in reference.cities))
    raise UnknownCity(f"unknown city id {ident!r}; known: {known}")


def member_city(reference: ReferenceData, ident: str, year: int) -> City:
    """The city, if it is a member city in ``year``; refused otherwise."""
    city = city_by_id(reference, ident)
    if city.joined_year > year:
        raise NotAMemberCity(
            f"{ident} is not a member city in {year}: it joined in {city.joined_year}"
        )
    return city


class ActionPlan(BaseModel):
    """What a CSCO or an NR submits: the plan's period and its projects."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    city_id: CityId
    period_start: PlanYear
    period_end: PlanYear
    projects: tuple[Project, ...] = Field(min_length=1, max_length=MAX_PROJECTS)

    @model_validator(mode="after")
    def _period(self) -> ActionPlan:
        if self.period_end < self.period_start:
            raise ValueError(
                f"period_end ({self.period_end}) is before period_start ({self.period_start})"
            )
        if self.period_end - self.period_start >= MAX_PERIOD_YEARS:
            raise ValueError(f"a plan's period is at most {MAX_PERIOD_YEARS} years")
        size = len(self.model_dump_json().encode())
        if size > MAX_PLAN_BYTES:
            raise ValueError(
                f"the plan is {size:,} bytes of JSON; at most {MAX_PLAN_BYTES:,}: shorten its "
                "projects' texts or split them"
            )
        return self


class PlanState(BaseModel):
    """A city's plan stream, folded: how many versions, and the latest."""

    model_config = ConfigDict(frozen=True)

    versions: int = 0
    latest: ActionPlanSubmitted | None = None

    def apply(self, fact: DomainEvent) -> PlanState:
        if isinstance(fact, ActionPlanSubmitted):
            return PlanState(versions=self.versions + 1, latest=fact)
        return self

    @classmethod
    def of(cls, facts: Iterable[DomainEvent]) -> PlanState:
        state = cls()
        for fact in facts:
            state = state.apply(fact)
        return state


def check_focus_areas(reference: ReferenceData, projects: Iterable[Project]) -> None:
    known = {area.id for area in reference.focus_areas}
    for project in projects:
        for area in project.focus_areas:
            if area not in known:
                raise UnknownFocusArea(
                    f"project {project.project_id}: unknown focus area {area!r}; the "
                    f"framework's are {', '.join(sorted(known)) or 'none'}"
                )


def submit_plan(state: PlanState, plan: ActionPlan, reference: ReferenceData) -> list[DomainEvent]:
    """The plan's next version; refused for an unknown focus area, a city that is not a
    member city in the plan's first year, a repeated project id, or no change at all."""
    city = member_city(reference, plan.city_id, plan.period_start)
    seen: set[str] = set()
    for project in plan.projects:
        if project.project_id in seen:
            raise DuplicateProject(
                f"project id {project.project_id!r} appears twice in the plan of {plan.city_id}"
            )
        seen.add(project.project_id)
    check_focus_areas(reference, plan.projects)
    latest = state.latest
    if latest is not None and (latest.period_start, latest.period_end, latest.projects) == (
        plan.period_start,
        plan.period_end,
        plan.projects,
    ):
        raise NothingChanged(
            f"the plan of {plan.city_id} is the same as its version {latest.version}: "
            "nothing to record"
        )
    return [
        ActionPlanSubmitted(
            city_id=plan.city_id,
            member_state=city.member_state,
            city=city.name,
            version=state.versions + 1,
            period_start=plan.period_start,
            period_end=plan.period_end,
            projects=plan.projects,
        )
    ]
