"""What the chain carries besides the timetable: action plans, IMD's assessments, the
external partners, twinning pairs and the projects launched at an annual meeting.

The value models here (a project, a milestone, a link) are bounded, so anything that
validates can be recorded and projected: one-line texts hold no control character,
long texts no NUL (PostgreSQL refuses it), dates and counts have limits.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from domain.events.base import DomainEvent
from domain.events.registry import REGISTRY
from domain.text import ENTERED_MULTI_LINE, ENTERED_ONE_LINE

_FROZEN = ConfigDict(frozen=True, extra="forbid")

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
"""The dates a plan, a milestone or a twinning pair may name."""
FIRST_YEAR, LAST_YEAR = EARLIEST.year, LATEST.year

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
"""An id people type: lower-case letters, digits, '.', '_' and '-', at most 64."""
CityId = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[a-z0-9]+(-[a-z0-9]+){0,15}$")]
"""A member city: its AMS and its name as a slug (``KH-siem-reap``); see domain.plans."""
Line = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
    ENTERED_ONE_LINE,
]
"""A title or a name: one line of at most 200 characters."""
LongLine = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
    ENTERED_ONE_LINE,
]
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000, pattern=r"^[^\x00]*$"),
    ENTERED_MULTI_LINE,
]
"""Evidence or a reason: several lines, at most 5,000 characters."""
BoundedDate = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
PlanYear = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]

_URL = TypeAdapter(AnyHttpUrl)
MAX_URL = 2000
MAX_LINKS = 20
MAX_FOCUS_AREAS = 6
"""A project's focus areas at most: the framework's six."""


def _check_link(value: str) -> str:
    if len(value) > MAX_URL:
        raise ValueError(f"a link is {len(value)} characters long; at most {MAX_URL}")
    try:
        _URL.validate_python(value)
    except ValidationError:
        raise ValueError(f"{value[:100]!r} is not an http(s) URL") from None
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError(f"{value[:100]!r} holds spaces or control characters")
    return value


Link = Annotated[str, AfterValidator(_check_link)]
"""An http or https URL of at most 2,000 characters, kept as written."""

ProjectStatus = Literal["planned", "ongoing", "completed", "stalled", "dropped"]
ACTIVE_STATUSES: frozenset[str] = frozenset({"planned", "ongoing", "stalled"})
"""A project in one of these is active: IMD assesses it, or says why not."""


class Milestone(BaseModel):
    model_config = _FROZEN

    title: Line
    due: BoundedDate


class Project(BaseModel):
    """One project of a city's action plan."""

    model_config = _FROZEN

    project_id: Slug
    title: Line
    action_lines: tuple[LongLine, ...] = Field(default=(), max_length=30)
    focus_areas: tuple[Slug, ...] = Field(min_length=1, max_length=MAX_FOCUS_AREAS)
    """Ids of the framework's focus areas (reference data)."""
    partners: tuple[Line, ...] = Field(default=(), max_length=30)
    status: ProjectStatus = "planned"
    milestones: tuple[Milestone, ...] = Field(default=(), max_length=50)


@REGISTRY.register
class ActionPlanSubmitted(DomainEvent):
    """A city's action plan, first submitted (version 1) or revised (each later version)."""

    city_id: CityId
    member_state: str
    city: str
    version: int = Field(ge=1)
    period_start: PlanYear
    period_end: PlanYear
    projects: tuple[Project, ...]


@REGISTRY.register
class ProjectAssessed(DomainEvent):
    """IMD's assessment of a project for a year; a later revision replaces it."""

    year: PlanYear
    city_id: CityId
    project_id: Slug
    status: ProjectStatus
    evidence: Text
    links: tuple[Link, ...] = Field(default=(), max_length=MAX_LINKS)
    revision: int = Field(default=1, ge=1)


@REGISTRY.register
class ProjectNotAssessed(DomainEvent):
    """Why IMD does not assess a project for a year."""

    year: PlanYear
    city_id: CityId
    project_id: Slug
    reason: Text


PartnerKind = Slug
PartnerSource = Literal["chair_team", "annual_meeting"]


@REGISTRY.register
class PartnerAdded(DomainEvent):
    """An external partner joins the list: added by the Chair's team, or by the outcome
    of the annual meeting of ``year``."""

    partner_id: Slug
    name: Line
    kind: PartnerKind
    year: PlanYear
    source: PartnerSource = "chair_team"


@REGISTRY.register
class TwinningPaired(DomainEvent):
    """A city pairs with an external partner, voluntarily, from ``starts`` to ``ends``."""

    city_id: CityId
    partner_id: Slug
    starts: BoundedDate
    ends: BoundedDate
    exception_id: Slug | None = None
    """The Chair's team's exception under which it overlaps another pair, if it does."""


@REGISTRY.register
class TwinningExceptionRecorded(DomainEvent):
    """The Chair's team lets a city pair with one more partner at a time."""

    city_id: CityId
    exception_id: Slug
    reason: Text


@REGISTRY.register
class ProjectLaunchedAtMeeting(DomainEvent):
    """An outcome of the annual meeting of ``year``: a project launched with a partner."""

    year: PlanYear
    city_id: CityId
    project_id: Slug
    title: Line
    partner_id: Slug
