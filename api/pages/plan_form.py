"""The action plan's form: a period, and one fieldset per project.

A project's lists are text areas, one item a line: its action lines, its partners, and
its milestones as ``YYYY-MM-DD`` then the milestone's title (``2019-06-30 Pilot
corridor``). A fieldset left blank is ignored (the form always has a spare one, and
"Add another project" draws one more without sending anything); one whose "leave it
out" box is ticked is left out of the new version. The page only reads the form into
the domain's ``ActionPlan``; the domain's rules decide, and each problem is placed on
its field (a project's list item on its line).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from api.pages.forms import FormProblems, Loc, Place, Problem, Values, leading_field, lines
from api.pages.forms import problems_of as _problems_of
from api.pages.forms import text as _text
from domain.events.records import MAX_FOCUS_AREAS
from domain.plans import MAX_PROJECTS, ActionPlan
from eventstore.readmodels.records import PlanVersion

PERIOD = ("period_start", "period_end")
PROJECT_FIELDS = ("project_id", "title", "status", "focus_areas", "action_lines", "partners",
                  "milestones")  # fmt: skip
LISTS = ("action_lines", "partners", "milestones")
"""A project's fields that are text areas, one item a line."""
MULTI = ("focus_areas",)
"""A project's fields of checkboxes."""
NEW_STATUS = "planned"
PLAN_FORM_FIELDS = 6 + (MAX_PROJECTS + 1) * (len(PROJECT_FIELDS) + MAX_FOCUS_AREAS)
"""The most fields a plan form sends: its CSRF token, Idempotency-Key, ``slots``,
``more`` and period (6), then each fieldset (the plan's most projects and a spare one):
its fields but the focus areas, its "leave it out" box, and a box per focus area ticked
(the domain's most), 1,319 in all. Above the web framework's 1,000, which a plan of
about 75 projects with every area ticked reached; more is no plan, and is refused with
a page naming the limit (``api.pages``), before anything is read."""


def slot(index: int, name: str) -> str:
    """The form field of a project's fieldset: ``projects-0-title``."""
    return f"projects-{index}-{name}"


def values_of_plan(version: PlanVersion | None) -> tuple[Values, int]:
    """The form filled with a version of the plan (to revise it), and its fieldsets:
    one per project and a spare one."""
    if version is None:
        return {}, 1
    values: Values = {"period_start": str(version.period_start),
                      "period_end": str(version.period_end)}  # fmt: skip
    for index, project in enumerate(version.projects):
        values[slot(index, "project_id")] = project.project_id
        values[slot(index, "title")] = project.title
        values[slot(index, "status")] = project.status
        values[slot(index, "focus_areas")] = list(project.focus_areas)
        values[slot(index, "action_lines")] = "\n".join(project.action_lines)
        values[slot(index, "partners")] = "\n".join(project.partners)
        values[slot(index, "milestones")] = "\n".join(
            f"{m.due.isoformat()} {m.title}" for m in project.milestones
        )
    return values, len(version.projects) + 1


def slots_of(values: Mapping[str, Any]) -> int:
    """How many fieldsets the form had (at least one, at most the plan's limit + 1)."""
    raw = values.get("slots", "1")
    count = int(raw) if isinstance(raw, str) and raw.isdigit() else 1
    return max(1, min(count, MAX_PROJECTS + 1))


_MILESTONE = re.compile(r"^(\S+)\s+(.+)$")


@dataclass
class PlanForm:
    """A filled-in plan form, read into the ``ActionPlan`` its fields describe."""

    city_id: str
    values: Values
    slots: int
    used: list[int] = field(default_factory=list)
    """The fieldsets that hold a project, in order: the model's project ``k`` is
    fieldset ``used[k]``."""
    line_numbers: dict[str, list[int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def text(self, name: str) -> str:
        return _text(self.values, name)

    def plan(self) -> ActionPlan:
        """The plan, or FormProblems naming every field that does not fit."""
        raw = {
            "city_id": self.city_id,
            "period_start": self.text("period_start").strip() or None,
            "period_end": self.text("period_end").strip() or None,
            "projects": [self._project(index) for index in self._filled()],
        }
        if not self.used:
            need = "a plan needs at least one project: give its id, title and focus areas"
            self.problems.append(Problem(slot(0, "project_id"), need))
        try:
            plan = ActionPlan.model_validate(raw)
        except ValidationError as error:
            # "No project" is said above; pydantic also says it when every project failed.
            errors = [e for e in error.errors()
                      if e["loc"] != ("projects",) or e["type"] != "too_short"]  # fmt: skip
            self.problems += _problems_of(errors, self.locate, self.place)
        if self.problems:
            raise FormProblems(self.problems)
        return plan

    def _filled(self) -> list[int]:
        for index in range(self.slots):
            if self.text(slot(index, "remove")) == "yes":
                continue
            typed = any(self.text(slot(index, n)).strip() for n in ("project_id", "title", *LISTS))
            if typed or self.values.get(slot(index, "focus_areas")):
                self.used.append(index)
        return list(self.used)

    def _project(self, index: int) -> dict[str, Any]:
        areas = self.values.get(slot(index, "focus_areas"), [])
        project: dict[str, Any] = {
            "project_id": self.text(slot(index, "project_id")).strip(),
            "title": self.text(slot(index, "title")),
            "status": self.text(slot(index, "status")) or NEW_STATUS,
            "focus_areas": list(areas) if isinstance(areas, list) else [areas],
        }
        for name in ("action_lines", "partners"):
            found = lines(self.text(slot(index, name)))
            self.line_numbers[slot(index, name)] = [n for n, _ in found]
            project[name] = [item for _, item in found]
        milestones = []
        numbers = []
        for number, line in lines(self.text(slot(index, "milestones"))):
            where = slot(index, "milestones")
            match = _MILESTONE.match(line)
            if match is None:
                how = "write the date (YYYY-MM-DD), a space, then the milestone"
                self.problems.append(Problem(where, f"line {number}: {how}"))
                continue
            try:
                due = date.fromisoformat(match.group(1))
            except ValueError:
                wrong = f"{match.group(1)!r} is not a date; write it as YYYY-MM-DD"
                self.problems.append(Problem(where, f"line {number}: {wrong}"))
                continue
            milestones.append({"title": match.group(2), "due": due.isoformat()})
            numbers.append(number)
        self.line_numbers[slot(index, "milestones")] = numbers
        project["milestones"] = milestones
        return project

    def locate(self, loc: Loc) -> tuple[str | None, str]:
        if not loc:
            return None, ""
        if loc[0] != "projects":
            return str(loc[0]), ""
        if len(loc) < 3 or not isinstance(loc[1], int) or loc[1] >= len(self.used):
            return None, "projects: "  # the plan's list of projects as a whole
        name = slot(self.used[loc[1]], str(loc[2]))
        item = loc[3] if len(loc) > 3 and isinstance(loc[3], int) else None
        if item is None or str(loc[2]) not in LISTS:
            return name, ""
        known = self.line_numbers.get(name, [])
        return name, f"line {known[item] if item < len(known) else item + 1}: "

    def place(self, message: str) -> str | None:
        """The field a rule's refusal is about: a repeated project id, a focus area, a
        city that is not a member city in the period's first year, the period."""
        twice = re.search(r"project id '([^']+)' appears twice", message)
        if twice:
            found = self._slot_with(twice.group(1), last=True)
            return None if found is None else slot(found, "project_id")
        area = re.match(r"project ([a-z0-9._-]+): unknown focus area", message)
        if area:
            found = self._slot_with(area.group(1), last=False)
            return None if found is None else slot(found, "focus_areas")
        if "not a member city in" in message:
            return "period_start"
        return _period(message)

    def _slot_with(self, project_id: str, *, last: bool) -> int | None:
        found = [i for i in self.used if self.text(slot(i, "project_id")).strip() == project_id]
        if not found:
            return None
        return found[-1] if last else found[0]


_period: Place = leading_field(PERIOD)
