"""Planning a year's cycle: which calendar template, and the plan it resolves to."""

from __future__ import annotations

from domain.calendar import CycleCalendar, CyclePlan, inaugural_2018, recurring
from domain.errors import DomainError
from domain.reference import ReferenceData

TEMPLATES = ("recurring", "inaugural-2018")


class UnknownTemplate(DomainError):
    pass


def calendar_for(template: str, year: int) -> CycleCalendar:
    if template == "recurring":
        return recurring(year)
    if template == "inaugural-2018" and year == 2018:
        return inaugural_2018()
    if template == "inaugural-2018":
        raise UnknownTemplate(f"the inaugural-2018 template is for 2018, not {year}")
    raise UnknownTemplate(f"unknown template {template!r}; use one of: {', '.join(TEMPLATES)}")


def plan_cycle(reference: ReferenceData, year: int, template: str) -> CyclePlan:
    """The year's plan, with that year's Chair and shepherd (overrides included)."""
    return calendar_for(template, year).plan(reference)
