"""Commands of the records streams, as the tests send them."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.events.records import Milestone, Project
from domain.monitoring import AssessProject, ExplainNotAssessed
from domain.partners import AddPartner, PairCity
from domain.plans import ActionPlan

SIEM_REAP = "KH-siem-reap"
SINGAPORE = "SG-singapore"


def project(project_id: str = "smart-traffic", **changes: Any) -> Project:
    fields: dict[str, Any] = {
        "project_id": project_id,
        "title": "Smart traffic lights",
        "action_lines": ("Adaptive signals on the ring road",),
        "focus_areas": ("built_infrastructure",),
        "partners": ("Japan",),
        "status": "ongoing",
        "milestones": (Milestone(title="Pilot corridor", due=date(2019, 6, 30)),),
    }
    fields.update(changes)
    return Project(**fields)


def plan(
    city: str = SIEM_REAP, *projects: Project, start: int = 2018, end: int = 2025
) -> ActionPlan:
    return ActionPlan(
        city_id=city, period_start=start, period_end=end, projects=projects or (project(),)
    )


def assessment(
    project_id: str = "smart-traffic", city: str = SIEM_REAP, year: int = 2019, **changes: Any
) -> AssessProject:
    fields: dict[str, Any] = {
        "year": year,
        "city_id": city,
        "project_id": project_id,
        "status": "ongoing",
        "evidence": "Signals installed on two of five junctions.",
        "links": ("https://example.org/report.pdf",),
    }
    fields.update(changes)
    return AssessProject(**fields)


def not_assessed(
    project_id: str = "smart-traffic", city: str = SIEM_REAP, year: int = 2019
) -> ExplainNotAssessed:
    return ExplainNotAssessed(
        year=year, city_id=city, project_id=project_id, reason="The city sent no report this year."
    )


def partner(
    partner_id: str = "jica",
    name: str = "Japan International Cooperation Agency",
    kind: str = "government",
    year: int = 2018,
) -> AddPartner:
    return AddPartner(partner_id=partner_id, name=name, kind=kind, year=year)


def pair(
    city: str = SIEM_REAP,
    partner_id: str = "jica",
    starts: date = date(2018, 8, 1),
    ends: date = date(2021, 7, 31),
    exception_id: str | None = None,
) -> PairCity:
    return PairCity(
        city_id=city, partner_id=partner_id, starts=starts, ends=ends, exception_id=exception_id
    )
