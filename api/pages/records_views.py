"""What the pages of plans, assessments, partners and twinning show, read from the
records read models (``eventstore.readmodels.records``). Reads only read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, and_, func, select

from domain.events.records import ACTIVE_STATUSES
from eventstore.engine import reading
from eventstore.lag import ReadLag, read_lag
from eventstore.readmodels.records import (
    NAME,
    PlanSummary,
    ProjectProgress,
    TwinningPair,
    latest_plans,
    project_progress,
    twinning_pairs,
)
from eventstore.readmodels.records_tables import (
    meeting_outcomes,
    plan_projects,
    plan_versions,
    twinning_exceptions,
)


@dataclass(frozen=True)
class PlanRow:
    plan: PlanSummary
    areas: Counter[str]
    """How many of the latest version's projects are in each focus area."""


def plan_rows(engine: Engine, focus_area: str | None = None) -> tuple[list[PlanRow], ReadLag]:
    """Each city's latest plan with its projects counted by focus area; with
    ``focus_area``, only the plans that have a project in it."""
    summaries, lag = latest_plans(engine)
    latest = (
        select(plan_versions.c.city_id, func.max(plan_versions.c.version).label("version"))
        .group_by(plan_versions.c.city_id)
        .subquery()
    )
    query = select(plan_projects.c.city_id, plan_projects.c.focus_areas).join(
        latest,
        and_(plan_projects.c.city_id == latest.c.city_id,
             plan_projects.c.version == latest.c.version),
    )  # fmt: skip
    areas: dict[str, Counter[str]] = {}
    with reading(engine) as conn:
        for city_id, focus in conn.execute(query):
            areas.setdefault(city_id, Counter()).update(focus)
    rows = [PlanRow(plan, areas.get(plan.city_id, Counter())) for plan in summaries]
    if focus_area:
        rows = [row for row in rows if row.areas.get(focus_area)]
    return rows, lag


@dataclass(frozen=True)
class ProjectRow:
    progress: ProjectProgress
    standing: str
    """assessed, not_assessed (a reason is recorded), unassessed (active, neither),
    or inactive (completed or dropped in the plan, and neither)."""


def project_rows(engine: Engine, year: int) -> tuple[list[ProjectRow], ReadLag]:
    found, lag = project_progress(engine, year)
    rows = []
    for progress in found:
        if progress.assessment is not None:
            standing = "assessed"
        elif progress.not_assessed_because is not None:
            standing = "not_assessed"
        elif progress.plan_status in ACTIVE_STATUSES:
            standing = "unassessed"
        else:
            standing = "inactive"
        rows.append(ProjectRow(progress, standing))
    return rows, lag


@dataclass(frozen=True)
class Twinning:
    active: list[TwinningPair]
    later: list[TwinningPair]
    ended: list[TwinningPair]
    exceptions: list[tuple[str, str, str, str]]
    """Each exception: the city, its id, the reason, who recorded it."""


def twinning_on(engine: Engine, today: date) -> tuple[Twinning, ReadLag]:
    pairs, lag = twinning_pairs(engine)
    with reading(engine) as conn:
        exceptions = [
            (r.city_id, r.exception_id, r.reason, r.recorded_by)
            for r in conn.execute(
                select(twinning_exceptions).order_by(twinning_exceptions.c.position)
            )
        ]
    return Twinning(
        active=[p for p in pairs if p.starts <= today <= p.ends],
        later=[p for p in pairs if p.starts > today],
        ended=[p for p in pairs if p.ends < today],
        exceptions=exceptions,
    ), lag


@dataclass(frozen=True)
class Launch:
    year: int
    city_id: str
    project_id: str
    title: str
    partner_id: str
    recorded_by: str


def launches(engine: Engine) -> tuple[list[Launch], ReadLag]:
    """The projects launched with partners at every annual meeting, the latest first."""
    with reading(engine) as conn:
        rows = conn.execute(
            select(meeting_outcomes).order_by(
                meeting_outcomes.c.year.desc(), meeting_outcomes.c.position
            )
        )
        found = [Launch(r.year, r.city_id, r.project_id, r.title, r.partner_id, r.recorded_by)
                 for r in rows]  # fmt: skip
        return found, read_lag(conn, [NAME])
