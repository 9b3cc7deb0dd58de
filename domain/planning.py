"""Planning a year's cycle: which calendar template, and the plan it resolves to."""

from __future__ import annotations

from domain.calendar import CycleCalendar, CyclePlan, PlannedStep, inaugural_2018, recurring
from domain.chain import JOINT_SUBMISSION_STEP
from domain.errors import DomainError
from domain.events.cycle import CyclePlanned, PlannedReminderFact, PlannedStepFact
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


def parties_owing(plan: CyclePlan, step: PlannedStep) -> tuple[str, ...]:
    """Who owes ``step`` when it opens: every member state's NR, the Chair's NR (the Chair
    of the ASCN), the shepherd, or ASEC. (The workflow's ``Progress`` narrows this as
    submissions and approvals come in.)"""
    if step.owed_by == "member_states":
        return tuple(f"nr:{code}" for code in plan.member_states)
    if step.step == JOINT_SUBMISSION_STEP:  # "The Chair of the ASCN and the shepherd submit"
        return (f"nr:{plan.chair}", f"shepherd:{plan.shepherd}")
    if step.owed_by == "chair_of_ascn":
        return (f"nr:{plan.chair}",)
    if step.owed_by == "shepherd":
        return (f"shepherd:{plan.shepherd}",)
    return ("asec",)


def planned(plan: CyclePlan) -> CyclePlanned:
    """The fact a cycle records as it opens: every step, in plan order, with its dates."""
    return CyclePlanned(
        year=plan.year,
        zone=plan.zone,
        reminders=tuple(PlannedReminderFact(rung=r.rung, before=r.before) for r in plan.reminders),
        civil=plan.civil,
        steps=tuple(
            PlannedStepFact(
                step=step.step, title=step.title, owed_by=step.owed_by,
                parties=parties_owing(plan, step), opens_at=step.opens_at,
                deadline=step.deadline,
            )
            for step in plan.steps
        ),
    )  # fmt: skip
