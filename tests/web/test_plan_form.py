"""The action plan's form read into the domain's plan: whatever a person types, the page
answers with the plan or with problems on the form's own fields, never an error of its
own; and a plan drawn into the form reads back as the same plan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from api.pages.forms import FormProblems
from api.pages.plan_form import PROJECT_FIELDS, PlanForm, slot, values_of_plan
from domain.plans import ActionPlan
from eventstore.readmodels.records import PlanProject, PlanVersion
from tests.web.conftest import NOW

CITY = "MY-kuala-lumpur"
AREAS = ["civic_and_social", "quality_environment", "space_travel", ""]
texts = st.text(max_size=60)
lists = st.lists(st.one_of(texts, st.sampled_from(["2027-06-30 Pilot", "2027-13-01 x",
                                                   "1999-01-01 Early", "30/06/2027 y"])),
                 max_size=4).map("\n".join)  # fmt: skip


@st.composite
def filled_forms(draw: st.DrawFn) -> tuple[dict[str, str | list[str]], int]:
    slots = draw(st.integers(1, 3))
    values: dict[str, str | list[str]] = {
        "period_start": draw(st.sampled_from(["2026", "", "1999", "year", "2026.5"])),
        "period_end": draw(st.sampled_from(["2030", "2020", "", "99999"])),
    }
    for index in range(slots):
        values[slot(index, "project_id")] = draw(st.one_of(texts, st.just("smart-traffic")))
        values[slot(index, "title")] = draw(texts)
        values[slot(index, "status")] = draw(st.sampled_from(["planned", "done", ""]))
        values[slot(index, "focus_areas")] = draw(st.lists(st.sampled_from(AREAS), max_size=7))
        for name in ("action_lines", "partners", "milestones"):
            values[slot(index, name)] = draw(lists)
        if draw(st.booleans()):
            values[slot(index, "remove")] = "yes"
    return values, slots


@settings(max_examples=300, deadline=None)
@given(filled_forms())
def test_any_form_reads_as_a_plan_or_as_problems_on_its_own_fields(
    form: tuple[dict[str, str | list[str]], int],
) -> None:
    values, slots = form
    fields = {"period_start", "period_end"} | {
        slot(i, name) for i in range(slots) for name in PROJECT_FIELDS
    }
    reader = PlanForm(CITY, values, slots)
    problems = []
    try:
        plan: ActionPlan | None = reader.plan()
    except FormProblems as refused:
        plan, problems = None, refused.problems
    if plan is None:
        assert problems
        assert all(p.field is None or p.field in fields for p in problems), problems
        assert all(p.message for p in problems)
    else:
        assert len(plan.projects) == len(reader.used)


def test_a_plan_drawn_into_the_form_reads_back_as_the_same_plan() -> None:
    version = PlanVersion(
        city_id=CITY, city="Kuala Lumpur", member_state="MY", version=1, period_start=2026,
        period_end=2030, submitted_by="nr:MY/nr-my", submitted_at=NOW,
        projects=[PlanProject(
            project_id="smart-traffic", title="Smart traffic lights",
            action_lines=["Ring road", "City centre"], focus_areas=["built_infrastructure"],
            partners=["JICA", "ADB"], status="ongoing",
            milestones=[{"title": "Pilot corridor open", "due": "2027-06-30"}],  # type: ignore[list-item]
        )],
    )  # fmt: skip
    values, slots = values_of_plan(version)
    assert slots == 2  # the project and a blank one for a new project
    plan = PlanForm(CITY, values, slots).plan()
    (project,) = plan.projects
    assert project.model_dump(mode="json") == {
        **version.projects[0].model_dump(mode="json"),
        "action_lines": ["Ring road", "City centre"], "partners": ["JICA", "ADB"],
    }  # fmt: skip
    assert (plan.period_start, plan.period_end) == (2026, 2030)
