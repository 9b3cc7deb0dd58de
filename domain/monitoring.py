"""IMD's progress monitoring: one assessment per project per year, or a reason why not.

A project is named ``<city-id>/<project-id>``. Only a project of its city's latest plan,
whose period covers the year, can be assessed. A second assessment of the same project
for the same year is a *revision*, not a refusal: IMD's view of a year changes as
evidence arrives; each revision is kept (``revision`` counts them) and the latest
counts. A reason why a project is not assessed is refused once the project has an
assessment that year; an assessment after a reason replaces the reason.

``unassessed_projects`` is what the ``progress_review`` step asks: the active projects
of a year with neither an assessment nor a reason.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import DomainError
from domain.events import ActionPlanSubmitted, DomainEvent, ProjectAssessed, ProjectNotAssessed
from domain.events.records import (
    ACTIVE_STATUSES,
    MAX_LINKS,
    CityId,
    Link,
    PlanYear,
    ProjectStatus,
    Slug,
    Text,
)


class MonitoringError(DomainError):
    pass


class UnknownProject(MonitoringError):
    pass


class AlreadyAssessed(MonitoringError):
    pass


def project_key(city_id: str, project_id: str) -> str:
    return f"{city_id}/{project_id}"


class AssessProject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    year: PlanYear
    city_id: CityId
    project_id: Slug
    status: ProjectStatus
    evidence: Text
    links: tuple[Link, ...] = Field(default=(), max_length=MAX_LINKS)


class ExplainNotAssessed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    year: PlanYear
    city_id: CityId
    project_id: Slug
    reason: Text


class MonitoringState(BaseModel):
    """A year's monitoring stream, folded: revisions per project, and the reasons."""

    model_config = ConfigDict(frozen=True)

    revisions: dict[str, int] = {}
    reasons: dict[str, str] = {}

    def apply(self, fact: DomainEvent) -> MonitoringState:
        if isinstance(fact, ProjectAssessed):
            key = project_key(fact.city_id, fact.project_id)
            reasons = {k: v for k, v in self.reasons.items() if k != key}
            return MonitoringState(
                revisions={**self.revisions, key: fact.revision}, reasons=reasons
            )
        if isinstance(fact, ProjectNotAssessed):
            key = project_key(fact.city_id, fact.project_id)
            return MonitoringState(
                revisions=self.revisions, reasons={**self.reasons, key: fact.reason}
            )
        return self

    @classmethod
    def of(cls, facts: Iterable[DomainEvent]) -> MonitoringState:
        state = cls()
        for fact in facts:
            state = state.apply(fact)
        return state


def check_project(
    year: int, city_id: str, project_id: str, plans: Mapping[str, ActionPlanSubmitted]
) -> None:
    """Refuse a project that is not in its city's latest plan, or a year outside it."""
    plan = plans.get(city_id)
    if plan is None:
        raise UnknownProject(f"unknown project {city_id}/{project_id}: {city_id} has no plan")
    if project_id not in {p.project_id for p in plan.projects}:
        known = ", ".join(p.project_id for p in plan.projects)
        raise UnknownProject(
            f"unknown project {city_id}/{project_id}: version {plan.version} of the plan of "
            f"{city_id} has {known}"
        )
    if not plan.period_start <= year <= plan.period_end:
        raise UnknownProject(
            f"the plan of {city_id} runs {plan.period_start}-{plan.period_end}; it has no "
            f"project to assess in {year}"
        )


def assess(
    state: MonitoringState,
    command: AssessProject,
    plans: Mapping[str, ActionPlanSubmitted] | None,
) -> list[DomainEvent]:
    """The assessment (a revision if the project already has one that year). ``plans``:
    each city's latest plan; None where they are not at hand (the project is then
    checked where they are)."""
    if plans is not None:
        check_project(command.year, command.city_id, command.project_id, plans)
    key = project_key(command.city_id, command.project_id)
    return [
        ProjectAssessed(
            year=command.year,
            city_id=command.city_id,
            project_id=command.project_id,
            status=command.status,
            evidence=command.evidence,
            links=command.links,
            revision=state.revisions.get(key, 0) + 1,
        )
    ]


def explain_not_assessed(
    state: MonitoringState,
    command: ExplainNotAssessed,
    plans: Mapping[str, ActionPlanSubmitted] | None,
) -> list[DomainEvent]:
    if plans is not None:
        check_project(command.year, command.city_id, command.project_id, plans)
    key = project_key(command.city_id, command.project_id)
    if key in state.revisions:
        raise AlreadyAssessed(
            f"{key} is already assessed for {command.year} (revision {state.revisions[key]}); "
            "revise the assessment instead"
        )
    if state.reasons.get(key) == command.reason:
        raise AlreadyAssessed(f"{key} already has this reason for {command.year}")
    return [
        ProjectNotAssessed(
            year=command.year,
            city_id=command.city_id,
            project_id=command.project_id,
            reason=command.reason,
        )
    ]


def active_projects(year: int, plans: Iterable[ActionPlanSubmitted]) -> list[str]:
    """The projects of each city's latest plan whose period covers ``year`` and whose
    status is planned, ongoing or stalled, as ``<city-id>/<project-id>``, sorted."""
    return sorted(
        project_key(plan.city_id, project.project_id)
        for plan in plans
        if plan.period_start <= year <= plan.period_end
        for project in plan.projects
        if project.status in ACTIVE_STATUSES
    )


def unassessed_projects(
    year: int,
    plans: Iterable[ActionPlanSubmitted],
    assessed: Collection[str],
    explained: Collection[str],
) -> list[str]:
    """The active projects of ``year`` with neither an assessment nor a recorded reason.
    ``plans``: each city's latest plan; ``assessed``, ``explained``: project keys."""
    return [
        key for key in active_projects(year, plans) if key not in assessed and key not in explained
    ]
