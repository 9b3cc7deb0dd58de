"""Action plans (every version), IMD's assessments and reasons, the partner list,
twinning pairs and exceptions, and the annual meetings' outcomes, projected from the
event store; and the queries the API and the ``progress_review`` step ask of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, Row, Select, Table, and_, delete, func, insert, select
from sqlalchemy.engine import Connection

from domain.events import (
    ActionPlanSubmitted,
    PartnerAdded,
    ProjectAssessed,
    ProjectLaunchedAtMeeting,
    ProjectNotAssessed,
    TwinningExceptionRecorded,
    TwinningPaired,
)
from domain.events.records import Milestone, Project, ProjectStatus
from domain.monitoring import unassessed_projects
from eventstore.codec import to_domain
from eventstore.engine import reading
from eventstore.lag import ReadLag, read_lag
from eventstore.readmodels.handlers import Handler, on
from eventstore.readmodels.records_tables import (
    assessments,
    meeting_outcomes,
    not_assessed,
    partners,
    plan_projects,
    plan_versions,
    twinning,
    twinning_exceptions,
)
from eventstore.records import RecordedEvent

NAME = "records"
_FROZEN = ConfigDict(frozen=True)
M = TypeVar("M", bound=BaseModel)


def _plan(conn: Connection, fact: ActionPlanSubmitted, event: RecordedEvent) -> None:
    conn.execute(
        insert(plan_versions).values(
            city_id=fact.city_id, version=fact.version, member_state=fact.member_state,
            city=fact.city, period_start=fact.period_start, period_end=fact.period_end,
            submitted_by=event.actor, submitted_at=event.occurred_at, position=event.position,
        )
    )  # fmt: skip
    rows = [
        {
            "city_id": fact.city_id, "version": fact.version, "project_id": p.project_id,
            "ordinal": n, "title": p.title, "action_lines": list(p.action_lines),
            "focus_areas": list(p.focus_areas), "partners": list(p.partners),
            "status": p.status,
            "milestones": [m.model_dump(mode="json") for m in p.milestones],
        }
        for n, p in enumerate(fact.projects)
    ]  # fmt: skip
    if rows:
        conn.execute(insert(plan_projects), rows)


def _insert(conn: Connection, table: Table, event: RecordedEvent, **values: Any) -> None:
    """A row for the event's fact: its ``values``, ``recorded_by`` and ``position``."""
    conn.execute(insert(table).values(**values, recorded_by=event.actor, position=event.position))


def _project_key(fact: ProjectAssessed | ProjectNotAssessed, table: Any) -> Any:
    return and_(
        table.c.year == fact.year, table.c.city_id == fact.city_id,
        table.c.project_id == fact.project_id,
    )  # fmt: skip


def _assessed(conn: Connection, fact: ProjectAssessed, event: RecordedEvent) -> None:
    conn.execute(delete(not_assessed).where(_project_key(fact, not_assessed)))
    conn.execute(delete(assessments).where(_project_key(fact, assessments)))
    conn.execute(
        insert(assessments).values(
            year=fact.year, city_id=fact.city_id, project_id=fact.project_id,
            status=fact.status, evidence=fact.evidence, links=list(fact.links),
            revision=fact.revision, assessed_by=event.actor, assessed_at=event.occurred_at,
            position=event.position,
        )
    )  # fmt: skip


def _not_assessed(conn: Connection, fact: ProjectNotAssessed, event: RecordedEvent) -> None:
    conn.execute(delete(not_assessed).where(_project_key(fact, not_assessed)))
    _insert(conn, not_assessed, event, year=fact.year, city_id=fact.city_id,
            project_id=fact.project_id, reason=fact.reason)  # fmt: skip


def _partner(conn: Connection, fact: PartnerAdded, event: RecordedEvent) -> None:
    conn.execute(
        insert(partners).values(
            partner_id=fact.partner_id, name=fact.name, kind=fact.kind, year=fact.year,
            source=fact.source, added_by=event.actor, position=event.position,
        )
    )  # fmt: skip


def _paired(conn: Connection, fact: TwinningPaired, event: RecordedEvent) -> None:
    _insert(conn, twinning, event, city_id=fact.city_id, partner_id=fact.partner_id,
            starts=fact.starts, ends=fact.ends, exception_id=fact.exception_id)  # fmt: skip


def _exception(conn: Connection, fact: TwinningExceptionRecorded, event: RecordedEvent) -> None:
    _insert(conn, twinning_exceptions, event, city_id=fact.city_id,
            exception_id=fact.exception_id, reason=fact.reason)  # fmt: skip


def _launched(conn: Connection, fact: ProjectLaunchedAtMeeting, event: RecordedEvent) -> None:
    _insert(conn, meeting_outcomes, event, year=fact.year, city_id=fact.city_id,
            project_id=fact.project_id, title=fact.title, partner_id=fact.partner_id)  # fmt: skip


HANDLERS: dict[str, Handler[Connection]] = dict(
    [
        on(ActionPlanSubmitted, _plan),
        on(ProjectAssessed, _assessed),
        on(ProjectNotAssessed, _not_assessed),
        on(PartnerAdded, _partner),
        on(TwinningPaired, _paired),
        on(TwinningExceptionRecorded, _exception),
        on(ProjectLaunchedAtMeeting, _launched),
    ]
)


class RecordsProjection:
    name = NAME
    event_types: frozenset[str] | None = frozenset(HANDLERS)

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        for event in events:
            HANDLERS[event.type](conn, to_domain(event), event)


# -- what people read --------------------------------------------------------------


class PlanProject(BaseModel):
    model_config = _FROZEN

    project_id: str
    title: str
    action_lines: list[str]
    focus_areas: list[str]
    partners: list[str]
    status: ProjectStatus
    milestones: list[Milestone]


class PlanVersion(BaseModel):
    model_config = _FROZEN

    city_id: str
    city: str
    member_state: str
    version: int
    period_start: int
    period_end: int
    submitted_by: str
    submitted_at: datetime
    projects: list[PlanProject]


class PlanSummary(BaseModel):
    """A city's latest plan, without its projects."""

    model_config = _FROZEN

    city_id: str
    city: str
    member_state: str
    version: int
    period_start: int
    period_end: int
    projects: int


class Assessment(BaseModel):
    model_config = _FROZEN

    status: str
    evidence: str
    links: list[str]
    revision: int
    assessed_by: str
    assessed_at: datetime


class ProjectProgress(BaseModel):
    """A project of a city's latest plan, with IMD's latest assessment of it for the
    year, or the reason it is not assessed."""

    model_config = _FROZEN

    year: int
    city_id: str
    project_id: str
    title: str
    plan_status: str
    assessment: Assessment | None
    not_assessed_because: str | None


class PartnerRow(BaseModel):
    model_config = _FROZEN

    partner_id: str
    name: str
    kind: str
    year: int
    source: str
    added_by: str


class TwinningPair(BaseModel):
    model_config = _FROZEN

    city_id: str
    partner_id: str
    starts: date
    ends: date
    exception_id: str | None
    recorded_by: str


class MeetingOutcome(BaseModel):
    model_config = _FROZEN

    year: int
    city_id: str
    project_id: str
    title: str
    partner_id: str
    recorded_by: str


def _as(model: type[M], row: Row[Any], **more: Any) -> M:
    """A read model's row as the model people read (its ``position`` left out)."""
    return model(**{k: v for k, v in row._asdict().items() if k != "position"}, **more)


def _projects(conn: Connection, city_id: str, version: int) -> list[PlanProject]:
    rows = conn.execute(
        select(plan_projects)
        .where(plan_projects.c.city_id == city_id, plan_projects.c.version == version)
        .order_by(plan_projects.c.ordinal)
    )
    return [
        PlanProject(
            project_id=r.project_id, title=r.title, action_lines=r.action_lines,
            focus_areas=r.focus_areas, partners=r.partners, status=r.status,
            milestones=[Milestone.model_validate(m) for m in r.milestones],
        )
        for r in rows
    ]  # fmt: skip


def plan_versions_of(engine: Engine, city_id: str) -> tuple[list[PlanVersion], ReadLag]:
    """Every version of the city's plan, the first first, and the read model's lag."""
    with reading(engine) as conn:
        rows = conn.execute(
            select(plan_versions)
            .where(plan_versions.c.city_id == city_id)
            .order_by(plan_versions.c.version)
        ).all()
        versions = [
            _as(PlanVersion, r, projects=_projects(conn, r.city_id, r.version)) for r in rows
        ]
        return versions, read_lag(conn, [NAME])


def _latest_versions(conn: Connection) -> list[Any]:
    latest = (
        select(plan_versions.c.city_id, func.max(plan_versions.c.version).label("version"))
        .group_by(plan_versions.c.city_id)
        .subquery()
    )
    return list(
        conn.execute(
            select(plan_versions)
            .join(
                latest,
                and_(
                    plan_versions.c.city_id == latest.c.city_id,
                    plan_versions.c.version == latest.c.version,
                ),
            )
            .order_by(plan_versions.c.city_id)
        )
    )


def latest_plans(engine: Engine) -> tuple[list[PlanSummary], ReadLag]:
    with reading(engine) as conn:
        summaries = []
        for r in _latest_versions(conn):
            count = conn.execute(
                select(func.count()).where(
                    plan_projects.c.city_id == r.city_id, plan_projects.c.version == r.version
                )
            ).scalar_one()
            summaries.append(
                PlanSummary(
                    city_id=r.city_id, city=r.city, member_state=r.member_state,
                    version=r.version, period_start=r.period_start, period_end=r.period_end,
                    projects=count,
                )
            )  # fmt: skip
        return summaries, read_lag(conn, [NAME])


def _latest_plan_facts(conn: Connection) -> list[ActionPlanSubmitted]:
    """Each city's latest plan, as the domain's rules take it."""
    plans = []
    for r in _latest_versions(conn):
        projects = tuple(
            Project(
                project_id=p.project_id, title=p.title, action_lines=tuple(p.action_lines),
                focus_areas=tuple(p.focus_areas), partners=tuple(p.partners), status=p.status,
                milestones=tuple(p.milestones),
            )
            for p in _projects(conn, r.city_id, r.version)
        )  # fmt: skip
        plans.append(
            ActionPlanSubmitted(
                city_id=r.city_id, member_state=r.member_state, city=r.city, version=r.version,
                period_start=r.period_start, period_end=r.period_end, projects=projects,
            )
        )  # fmt: skip
    return plans


def project_progress(engine: Engine, year: int) -> tuple[list[ProjectProgress], ReadLag]:
    """The projects of each city's latest plan whose period covers ``year``, each with
    IMD's assessment or its reason for that year."""
    with reading(engine) as conn:
        assessed = {
            (r.city_id, r.project_id): r
            for r in conn.execute(select(assessments).where(assessments.c.year == year))
        }
        reasons = {
            (r.city_id, r.project_id): r.reason
            for r in conn.execute(select(not_assessed).where(not_assessed.c.year == year))
        }
        rows: list[ProjectProgress] = []
        for plan in _latest_plan_facts(conn):
            if not plan.period_start <= year <= plan.period_end:
                continue
            for project in plan.projects:
                key = (plan.city_id, project.project_id)
                found = assessed.get(key)
                rows.append(
                    ProjectProgress(
                        year=year, city_id=plan.city_id, project_id=project.project_id,
                        title=project.title, plan_status=project.status,
                        assessment=None if found is None else Assessment(
                            status=found.status, evidence=found.evidence, links=found.links,
                            revision=found.revision, assessed_by=found.assessed_by,
                            assessed_at=found.assessed_at,
                        ),
                        not_assessed_because=reasons.get(key),
                    )
                )  # fmt: skip
        return rows, read_lag(conn, [NAME])


class ReadModelMonitoring:
    """What the ``progress_review`` step asks: ``unassessed_projects(year)``, the active
    projects of the year (``<city-id>/<project-id>``) with neither an assessment nor a
    recorded reason, from the read models (``domain.monitoring`` decides)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def unassessed_projects(self, year: int) -> list[str]:
        with reading(self._engine) as conn:
            plans = _latest_plan_facts(conn)
            assessed = {
                f"{r.city_id}/{r.project_id}"
                for r in conn.execute(select(assessments).where(assessments.c.year == year))
            }
            explained = {
                f"{r.city_id}/{r.project_id}"
                for r in conn.execute(select(not_assessed).where(not_assessed.c.year == year))
            }
        return unassessed_projects(year, plans, assessed, explained)


def _listed(engine: Engine, model: type[M], query: Select[Any]) -> tuple[list[M], ReadLag]:
    """The query's rows as ``model``, and the read model's lag."""
    with reading(engine) as conn:
        return [_as(model, r) for r in conn.execute(query)], read_lag(conn, [NAME])


def partner_list(engine: Engine) -> tuple[list[PartnerRow], ReadLag]:
    return _listed(engine, PartnerRow, select(partners).order_by(partners.c.position))


def twinning_pairs(engine: Engine) -> tuple[list[TwinningPair], ReadLag]:
    query = select(twinning).order_by(twinning.c.city_id, twinning.c.starts)
    return _listed(engine, TwinningPair, query)


def outcomes_of(engine: Engine, year: int) -> tuple[list[MeetingOutcome], ReadLag]:
    query = (
        select(meeting_outcomes)
        .where(meeting_outcomes.c.year == year)
        .order_by(meeting_outcomes.c.position)
    )
    return _listed(engine, MeetingOutcome, query)
