"""Planning a year's cycle from the calendar templates and the reference data."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from temporalio import activity

from activities.errors import domain_errors_are_final
from domain.calendar import CycleCalendar, inaugural_2018, recurring
from domain.errors import DomainError
from domain.reference import ReferenceData
from workflows.messages import CycleInput

TEMPLATES = ("recurring", "inaugural-2018")


class UnknownTemplate(DomainError):
    pass


class PlanRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    template: str = "recurring"
    search_attributes: bool = False


def calendar_for(template: str, year: int) -> CycleCalendar:
    if template == "recurring":
        return recurring(year)
    if template == "inaugural-2018" and year == 2018:
        return inaugural_2018()
    if template == "inaugural-2018":
        raise UnknownTemplate(f"the inaugural-2018 template is for 2018, not {year}")
    raise UnknownTemplate(f"unknown template {template!r}; use one of: {', '.join(TEMPLATES)}")


def plan_cycle(reference: ReferenceData, request: PlanRequest) -> CycleInput:
    """The year's plan, with that year's Chair from the rotation (overrides included)."""
    plan = calendar_for(request.template, request.year).plan(reference)
    return CycleInput(plan=plan, reference=reference, search_attributes=request.search_attributes)


class PlanningActivities:
    def __init__(self, reference: ReferenceData) -> None:
        self._reference = reference

    @activity.defn(name="plan_cycle")
    @domain_errors_are_final
    def plan_cycle(self, request: PlanRequest) -> CycleInput:
        return plan_cycle(self._reference, request)
