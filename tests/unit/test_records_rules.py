"""The rules of action plans, assessments, partners and twinning, as properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.events import ActionPlanSubmitted, TwinningPaired
from domain.events.records import ACTIVE_STATUSES, Project
from domain.monitoring import (
    AlreadyAssessed,
    MonitoringState,
    UnknownProject,
    assess,
    explain_not_assessed,
    unassessed_projects,
)
from domain.partners import (
    DuplicatePartner,
    OverlappingTwinning,
    RecordTwinningException,
    TwinningState,
    UnknownPartner,
    UnknownPartnerKind,
    add_partner,
    pair_city,
    record_twinning_exception,
)
from domain.plans import (
    DuplicateProject,
    NotAMemberCity,
    NothingChanged,
    PlanState,
    UnknownFocusArea,
    city_by_id,
    city_id,
    submit_plan,
)
from domain.records import RecordsState
from domain.reference import City, ReferenceData
from tests.records.builders import SIEM_REAP, assessment, not_assessed, pair, partner, plan, project

REFERENCE = ReferenceData.load()
AREAS = [area.id for area in REFERENCE.focus_areas]
STATUSES = ["planned", "ongoing", "completed", "stalled", "dropped"]
project_ids = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
projects = st.builds(
    lambda pid, areas, status: project(pid, focus_areas=tuple(areas), status=status),
    project_ids, st.lists(st.sampled_from(AREAS), min_size=1, max_size=6, unique=True),
    st.sampled_from(STATUSES),
)  # fmt: skip


def test_every_city_has_an_id_its_role_can_name() -> None:
    ids = [city_id(c) for c in REFERENCE.cities]
    assert len(set(ids)) == len(ids)
    assert city_id(city_by_id(REFERENCE, "KH-siem-reap")) == "KH-siem-reap"
    assert "PH-cebu-city" in ids


def test_the_framework_has_six_focus_areas_and_four_partner_kinds() -> None:
    assert len(REFERENCE.focus_areas) == 6
    assert {k.id for k in REFERENCE.partner_kinds} == {
        "government", "multilateral_body", "private_sector", "financial_institution",
    }  # fmt: skip


@given(st.lists(projects, min_size=1, max_size=8, unique_by=lambda p: p.project_id),
       st.integers(min_value=0, max_value=4))  # fmt: skip
def test_each_submission_is_the_next_version(plan_projects: list[Project], earlier: int) -> None:
    state = PlanState()
    for n in range(earlier):
        decided = submit_plan(state, plan(SIEM_REAP, project(f"p{n}")), REFERENCE)
        state = state.apply(decided[0])
    (fact,) = submit_plan(state, plan(SIEM_REAP, *plan_projects), REFERENCE)
    assert isinstance(fact, ActionPlanSubmitted)
    assert fact.version == earlier + 1
    assert fact.projects == tuple(plan_projects)


@given(
    st.lists(projects, min_size=1, max_size=5), st.from_regex(r"[a-z0-9_]{1,40}", fullmatch=True)
)
def test_an_unknown_focus_area_is_refused(plan_projects: list[Project], area: str) -> None:
    unknown = f"x-{area}"  # a slug, never one of the framework's
    bad = project("bad", focus_areas=(unknown,))
    unique = {p.project_id: p for p in plan_projects if p.project_id != "bad"}
    with pytest.raises(UnknownFocusArea, match=unknown):
        submit_plan(PlanState(), plan(SIEM_REAP, *unique.values(), bad), REFERENCE)


@given(st.lists(projects, min_size=1, max_size=6))
def test_a_repeated_project_id_is_refused(plan_projects: list[Project]) -> None:
    repeated = [*plan_projects, plan_projects[0]]
    with pytest.raises(DuplicateProject) as refused:
        submit_plan(PlanState(), plan(SIEM_REAP, *repeated), REFERENCE)
    named = str(refused.value).split("'")[1]
    assert [p.project_id for p in repeated].count(named) >= 2


@given(st.integers(min_value=2019, max_value=2090), st.integers(min_value=2000, max_value=2100))
def test_a_city_is_a_member_city_only_from_the_year_it_joined(joined: int, start: int) -> None:
    reference = REFERENCE.with_city(
        City(name="Dili", member_state="PH", capital=False, joined_year=joined, pilot=False)
    )
    start = min(start, 2100)
    candidate = plan("PH-dili", project(), start=start, end=start)
    if start < joined:
        with pytest.raises(NotAMemberCity, match=f"joined in {joined}"):
            submit_plan(PlanState(), candidate, reference)
    else:
        assert submit_plan(PlanState(), candidate, reference)


def test_a_revision_that_changes_nothing_is_refused() -> None:
    (first,) = submit_plan(PlanState(), plan(), REFERENCE)
    with pytest.raises(NothingChanged, match="version 1"):
        submit_plan(PlanState().apply(first), plan(), REFERENCE)


def test_a_plan_period_and_its_dates_are_bounded() -> None:
    with pytest.raises(ValidationError, match="period_end"):
        plan(start=2025, end=2018)
    with pytest.raises(ValidationError, match="due"):
        project(milestones=({"title": "far", "due": date(2200, 1, 1)},))


@pytest.mark.parametrize("link", ["ftp://example.org/x", "not a url", "javascript:alert(1)",
                                  "https://" + "a" * 2100 + ".org"])  # fmt: skip
def test_an_assessment_link_must_be_an_http_url(link: str) -> None:
    with pytest.raises(ValidationError, match="links"):
        assessment(links=(link,))


@given(st.integers(min_value=1, max_value=6))
def test_a_second_assessment_is_a_revision(times: int) -> None:
    state = MonitoringState()
    revisions = []
    for _ in range(times):
        (fact,) = assess(state, assessment(), None)
        state = state.apply(fact)
        revisions.append(fact.revision)  # type: ignore[attr-defined]
    assert revisions == list(range(1, times + 1))
    with pytest.raises(AlreadyAssessed):
        explain_not_assessed(state, not_assessed(), None)


def test_an_assessment_of_an_unknown_project_or_year_is_refused() -> None:
    (latest,) = submit_plan(PlanState(), plan(), REFERENCE)
    assert isinstance(latest, ActionPlanSubmitted)
    plans = {SIEM_REAP: latest}
    with pytest.raises(UnknownProject, match="no-such"):
        assess(MonitoringState(), assessment("no-such"), plans)
    with pytest.raises(UnknownProject, match="2018-2025"):
        assess(MonitoringState(), assessment(year=2030), plans)
    with pytest.raises(UnknownProject, match="has no plan"):
        assess(MonitoringState(), assessment(city="SG-singapore"), plans)


@given(st.lists(projects, min_size=1, max_size=8, unique_by=lambda p: p.project_id),
       st.sets(project_ids), st.sets(project_ids), st.integers(2010, 2030))  # fmt: skip
def test_unassessed_are_the_active_projects_with_neither(
    plan_projects: list[Project], assessed: set[str], explained: set[str], year: int
) -> None:
    (fact,) = submit_plan(PlanState(), plan(SIEM_REAP, *plan_projects), REFERENCE)
    assert isinstance(fact, ActionPlanSubmitted)
    done = {f"{SIEM_REAP}/{p}" for p in assessed}
    why = {f"{SIEM_REAP}/{p}" for p in explained}
    left = unassessed_projects(year, [fact], done, why)
    in_period = 2018 <= year <= 2025
    active = {f"{SIEM_REAP}/{p.project_id}" for p in plan_projects
              if p.status in ACTIVE_STATUSES and in_period}  # fmt: skip
    assert set(left) == active - done - why
    assert left == sorted(left)


dates = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["jica", "adb", "kfw"]), dates,
                          st.integers(0, 1500), st.booleans()), max_size=12))  # fmt: skip
def test_a_city_pairs_with_one_partner_at_a_time_unless_excepted(
    requests: list[tuple[str, date, int, bool]],
) -> None:
    state = TwinningState()
    granted = 0
    for n, (partner_id, starts, days, exception) in enumerate(requests):
        exception_id = None
        if exception:
            granted += 1
            exception_id = f"e{n}"
            command = RecordTwinningException(
                year=2018, city_id=SIEM_REAP, exception_id=exception_id, reason="agreed"
            )
            (recorded,) = record_twinning_exception(state, command, REFERENCE)
            state = state.apply(recorded)
        request = pair(
            partner_id=partner_id,
            starts=starts,
            ends=starts + timedelta(days=days),
            exception_id=exception_id,
        )
        try:
            (paired,) = pair_city(state, request, REFERENCE, None)
            state = state.apply(paired)
        except OverlappingTwinning:
            assert exception_id is None or any(p.partner_id == partner_id for p in state.pairs)
    pairs: list[TwinningPaired] = list(state.pairs)
    for i, first in enumerate(pairs):
        for second in pairs[i + 1 :]:
            if first.starts <= second.ends and second.starts <= first.ends:
                assert second.exception_id is not None
                assert first.partner_id != second.partner_id
    used = [p.exception_id for p in pairs if p.exception_id]
    assert len(used) == len(set(used)) <= granted


def test_twinning_needs_a_known_partner_and_a_member_city() -> None:
    with pytest.raises(UnknownPartner, match="jica"):
        pair_city(TwinningState(), pair(), REFERENCE, {})
    with pytest.raises(NotAMemberCity):
        pair_city(TwinningState(), pair(starts=date(2017, 1, 1)), REFERENCE, None)


def test_a_partner_needs_a_known_kind_and_a_new_id_and_name() -> None:
    with pytest.raises(UnknownPartnerKind, match="ngo"):
        add_partner(RecordsState().partners, partner(kind="ngo"), REFERENCE)
    state = RecordsState().apply_all(add_partner(RecordsState().partners, partner(), REFERENCE))
    with pytest.raises(DuplicatePartner, match="jica"):
        add_partner(state.partners, partner(name="Other"), REFERENCE)
    with pytest.raises(DuplicatePartner, match="already on the list as jica"):
        add_partner(state.partners, partner(partner_id="jica2"), REFERENCE)


def test_a_plan_too_large_to_travel_is_refused_naming_its_size() -> None:
    lines = tuple("x" * 500 for _ in range(30))
    many = [project(f"p{n}", action_lines=lines) for n in range(20)]
    with pytest.raises(ValidationError, match="bytes of JSON; at most 200,000"):
        plan(SIEM_REAP, *many)


def test_an_assessment_holds_at_most_twenty_links() -> None:
    links = tuple(f"https://example.org/{n}" for n in range(21))
    with pytest.raises(ValidationError, match="links"):
        assessment(links=links)
    assert len(assessment(links=links[:20]).links) == 20
