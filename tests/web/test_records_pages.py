"""The pages of action plans, IMD's assessments, partners and twinning (no browser):
who sees each, who may not, each form recorded once through the records' services,
and a refused form naming each field with nothing recorded."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from api.pages.plan_form import PLAN_FORM_FIELDS
from domain.events import StepOpened
from domain.plans import MAX_PROJECTS
from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore.readmodels.records import plan_versions_of
from tests.web.conftest import KL, SINGAPORE, STEPS, YEAR, Site, csrf_of, field_of, signed_in

EDIT = f"/app/plans/{KL}/edit"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def form_of(client: TestClient, path: str) -> dict[str, str]:
    """A drawn form's CSRF token and its Idempotency-Key (one per intended action)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    key = field_of(page.text, "idempotency_key")
    return {"csrf_token": csrf_of(page.text), "idempotency_key": key}


def error_of(html: str, field: str) -> str:
    """The message shown beside ``field``."""
    found = re.search(rf'id="{re.escape(field)}-error">([^<]*)<', html)
    assert found is not None, f"no message beside {field}"
    return found.group(1).replace("&#39;", "'")


def kl_plan(**changes: Any) -> dict[str, Any]:
    """Kuala Lumpur's plan as its form sends it: its three projects and a spare."""
    data: dict[str, Any] = {
        "slots": "4", "period_start": "2026", "period_end": "2030",
        "projects-0-project_id": "smart-traffic", "projects-0-title": "Smart traffic lights",
        "projects-0-status": "ongoing", "projects-0-focus_areas": ["built_infrastructure"],
        "projects-0-action_lines": "Smart traffic lights: first phase",
        "projects-0-partners": "JICA", "projects-0-milestones": "2027-06-30 Pilot",
        "projects-1-project_id": "flood-sensors", "projects-1-title": "Flood sensors",
        "projects-1-status": "planned",
        "projects-1-focus_areas": ["quality_environment", "safety_and_security"],
        "projects-1-action_lines": "Flood sensors: first phase", "projects-1-partners": "JICA",
        "projects-1-milestones": "2027-06-30 Pilot",
        "projects-2-project_id": "e-payments", "projects-2-title": "Cashless payments",
        "projects-2-status": "completed", "projects-2-focus_areas": ["industry_and_innovation"],
        "projects-2-action_lines": "Cashless payments: first phase",
        "projects-2-partners": "JICA", "projects-2-milestones": "2027-06-30 Pilot",
        "projects-3-status": "planned",
    }  # fmt: skip
    data.update(changes)
    return data


def versions(site: Site, city: str = KL) -> int:
    return len(plan_versions_of(site.engine, city)[0])


# -- action plans --------------------------------------------------------------------


def test_every_role_reads_the_plans_by_focus_area(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "csco-kl")
    plans = browser_client.get("/app/plans")
    assert plans.status_code == 200
    assert 'href="/app/plans/MY-kuala-lumpur"' in plans.text
    assert 'href="/app/plans/SG-singapore"' in plans.text
    assert f'href="{EDIT}"' in plans.text  # its own city's form, and no other
    assert "/app/plans/SG-singapore/edit" not in plans.text
    civic = browser_client.get("/app/plans?focus_area=civic_and_social")
    assert "Singapore" in civic.text
    assert "Kuala Lumpur</a>" not in civic.text


def test_a_plan_shows_its_projects_milestones_partners_and_versions(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "asec-imd")
    plan = browser_client.get(f"/app/plans/{KL}")
    assert plan.status_code == 200
    assert "Flood sensors" in plan.text
    assert "Wed 30 Jun 2027: Pilot" in plan.text
    assert "Partners: JICA" in plan.text
    assert "Version 1, for 2026\u20132030" in plan.text
    assert "Revise the plan" not in plan.text  # ASEC does not submit plans
    assert browser_client.get("/app/plans/XX-nowhere").status_code == 404


def test_the_csco_revises_its_citys_plan_and_a_resent_form_records_it_once(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "csco-kl")
    base = form_of(browser_client, EDIT)
    data = {**base, **kl_plan(**{
        "projects-3-project_id": "bike-share", "projects-3-title": "Bike sharing",
        "projects-3-focus_areas": ["quality_environment"],
        "projects-3-milestones": "2028-01-31 First 50 stations\n\n2028-12-31 Whole centre",
    })}  # fmt: skip
    done = browser_client.post(EDIT, data=data)
    assert done.status_code == 200, done.text
    assert "Done: ActionPlanSubmitted" in done.text
    assert "Version 2, for 2026\u20132030" in done.text
    assert "Mon 31 Jan 2028: First 50 stations" in done.text
    again = browser_client.post(EDIT, data=data)  # a double click, a retry
    assert again.status_code == 200
    assert versions(site) == 2
    key = f"csco:{KL}/csco-kl|{base['idempotency_key']}"
    assert site.records.calls == [("submit_plan", key), ("submit_plan", key)]


def test_the_nr_submits_a_first_plan_for_a_city_of_its_own_state(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "nr-my")
    path = "/app/plans/MY-kuching/edit"
    data = {**form_of(browser_client, path), "slots": "1", "period_start": "2027",
            "period_end": "2031", "projects-0-project_id": "river-park",
            "projects-0-title": "River park", "projects-0-status": "planned",
            "projects-0-focus_areas": ["quality_environment"]}  # fmt: skip
    done = browser_client.post(path, data=data)
    assert done.status_code == 200, done.text
    assert "Done: ActionPlanSubmitted" in done.text
    assert versions(site, "MY-kuching") == 1
    assert browser_client.get("/app/plans/SG-singapore/edit").status_code == 403


def test_a_plan_with_problems_names_each_field_and_records_nothing(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "csco-kl")
    data = {**form_of(browser_client, EDIT), **kl_plan(**{
        "projects-0-project_id": "Smart Traffic",
        "projects-1-focus_areas": [],
        "projects-2-milestones": "2027-06-30 Pilot\n30/06/2028 Second phase",
        "projects-0-action_lines": "first\n\n" + "x" * 501,
    })}  # fmt: skip
    refused = browser_client.post(EDIT, data=data)
    assert refused.status_code == 422
    assert "Refused: nothing was recorded" in refused.text
    assert "lower-case letters" in error_of(refused.text, "projects-0-project_id")
    assert "at least 1" in error_of(refused.text, "projects-1-focus_areas")
    assert error_of(refused.text, "projects-2-milestones").startswith("line 2: '30/06/2028'")
    assert error_of(refused.text, "projects-0-action_lines").startswith("line 3:")
    assert 'href="#projects-2-milestones"' in refused.text  # the summary links to it
    assert 'value="Smart Traffic"' in refused.text  # drawn again as it was sent
    # The plan's own rules (its period) are asked once its fields fit.
    backwards = browser_client.post(EDIT, data={**data, **kl_plan(period_end="2020")})
    assert backwards.status_code == 422
    assert "period_end (2020) is before period_start" in error_of(backwards.text, "period_end")
    assert site.records.calls == []
    assert versions(site) == 1


def test_a_project_id_given_twice_is_the_domains_refusal_beside_the_second(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "csco-kl")
    data = {**form_of(browser_client, EDIT), **kl_plan(**{
        "projects-3-project_id": "flood-sensors", "projects-3-title": "More flood sensors",
        "projects-3-focus_areas": ["quality_environment"],
    })}  # fmt: skip
    refused = browser_client.post(EDIT, data=data)
    assert refused.status_code == 409
    assert "appears twice" in error_of(refused.text, "projects-3-project_id")
    unchanged = browser_client.post(EDIT, data={**form_of(browser_client, EDIT), **kl_plan()})
    assert unchanged.status_code == 409
    assert "same as its version 1" in unchanged.text
    assert versions(site) == 1


def test_add_another_project_draws_one_more_and_sends_nothing(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "csco-kl")
    data = {**form_of(browser_client, EDIT), **kl_plan(**{"projects-3-title": "Half typed"}),
            "more": "yes"}  # fmt: skip
    more = browser_client.post(EDIT, data=data)
    assert more.status_code == 200
    assert 'id="projects-4-project_id"' in more.text
    assert 'value="Half typed"' in more.text
    assert site.records.calls == []


def test_another_citys_plan_is_not_for_this_csco(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "csco-kl")
    path = f"/app/plans/{SINGAPORE}/edit"
    form = browser_client.get(path)
    assert form.status_code == 403
    assert "only the CSCO of SG-singapore" in form.text
    sent = browser_client.post(path, data={**form_of(browser_client, EDIT),
                                           **kl_plan(period_start="2025")})  # fmt: skip
    assert sent.status_code == 403
    assert site.records.calls == []


# -- IMD's assessments ---------------------------------------------------------------


def assess_path(project: str, city: str = KL) -> str:
    return f"/app/assessments/{YEAR}/{city}/{project}"


def test_asec_sees_each_projects_standing(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "asec-imd")
    page = browser_client.get("/app/assessments")
    assert page.status_code == 200
    assert "<strong>2 unassessed</strong>" in page.text
    rows = dict(re.findall(r'data-standing="(\w+)">\s*<td><a href="/app/plans/[^"]+">([^<]+)',
                           page.text))  # fmt: skip
    assert set(rows) == {"unassessed", "assessed", "inactive"}
    assert f'href="{assess_path("flood-sensors")}"' in page.text
    assert "Submit the progress review of 2027" in page.text


def test_asec_assesses_a_project_once_per_form(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "asec-imd")
    path = assess_path("smart-traffic")
    data = {**form_of(browser_client, path), "status": "ongoing",
            "evidence": "Signals at 12 of 40 junctions.",
            "links": "https://example.org/kl-2027.pdf\n"}  # fmt: skip
    done = browser_client.post(f"{path}/assess", data=data)
    assert done.status_code == 200, done.text
    assert "Done: ProjectAssessed" in done.text
    assert "Signals at 12 of 40 junctions." in done.text
    browser_client.post(f"{path}/assess", data=data)
    assert len(site.cycle.store.read_stream(f"monitoring-{YEAR}")) == 2  # the seed's and this
    listed = browser_client.get("/app/assessments")
    assert "<strong>1 unassessed</strong>" in listed.text


def test_a_bad_link_is_named_by_its_line_and_nothing_is_sent(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "asec-imd")
    path = assess_path("smart-traffic")
    data = {**form_of(browser_client, path), "status": "ongoing", "evidence": "",
            "links": "https://example.org/a\n\nftp://example.org/b"}  # fmt: skip
    refused = browser_client.post(f"{path}/assess", data=data)
    assert refused.status_code == 422
    assert error_of(refused.text, "links") == "line 3: 'ftp://example.org/b' is not an http(s) URL"
    assert error_of(refused.text, "evidence") == "must not be empty"
    assert site.records.calls == []


def test_asec_says_why_a_project_is_not_assessed(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "asec-imd")
    path = assess_path("flood-sensors")
    data = {**form_of(browser_client, path), "reason": "The city sent no report."}
    done = browser_client.post(f"{path}/not-assessed", data=data)
    assert done.status_code == 200, done.text
    assert "Done: ProjectNotAssessed" in done.text
    assert "not assessed: The city sent no report." in browser_client.get("/app/assessments").text


def test_the_progress_review_is_refused_while_a_project_is_unassessed(
    browser_client: TestClient, site: Site
) -> None:
    site.cycle.record(cycle_stream(YEAR), [StepOpened(year=YEAR, step="progress_review",
                                                      deadline=STEPS[2][4])])  # fmt: skip
    signed_in(browser_client, site, "asec-imd")
    review = "/app/assessments/2027/progress-review"
    refused = browser_client.post(review, data=form_of(browser_client, "/app/assessments"))
    assert refused.status_code == 409
    assert "MY-kuala-lumpur/flood-sensors, MY-kuala-lumpur/smart-traffic" in refused.text
    assert site.gateway.calls == []
    for project in ("flood-sensors", "smart-traffic"):
        path = assess_path(project)
        data = {**form_of(browser_client, path), "reason": "No report yet."}
        assert browser_client.post(f"{path}/not-assessed", data=data).status_code == 200
    done = browser_client.post(review, data=form_of(browser_client, "/app/assessments"))
    assert done.status_code == 200, done.text
    assert "Done: ProgressReviewSubmitted" in done.text
    assert "Submitted by asec/asec-imd" in done.text
    assert [name for name, _ in site.gateway.calls] == ["submit_progress_review"]


def test_only_asec_assesses(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    path = assess_path("smart-traffic")
    assert browser_client.get("/app/assessments").status_code == 200  # everyone reads
    form = browser_client.get(path)
    assert form.status_code == 403
    assert "only ASEC (asec) may" in form.text
    home = browser_client.get("/app")
    sent = browser_client.post(f"{path}/assess", data={
        "csrf_token": csrf_of(home.text), "idempotency_key": "k", "status": "ongoing",
        "evidence": "x",
    })  # fmt: skip
    assert sent.status_code == 403
    token = {"csrf_token": csrf_of(home.text), "idempotency_key": "k"}
    review = browser_client.post("/app/assessments/2027/progress-review", data=token)
    assert review.status_code == 403
    assert site.records.calls == []
    assert site.gateway.calls == []


# -- partners and twinning -------------------------------------------------------------


def test_the_partners_twinning_and_launches(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "csco-kl")
    page = browser_client.get("/app/partners")
    assert page.status_code == 200
    active = page.text.split('id="twinning-active"')[1].split("</table>")[0]
    ended = page.text.split('id="twinning-ended"')[1].split("</table>")[0]
    assert KL in active
    assert SINGAPORE not in active
    assert SINGAPORE in ended
    assert "Smart traffic lights" in page.text.split('id="launches"')[1]
    assert "/app/partners/add" not in page.text  # the forms are the Chair's team's
    assert browser_client.get("/app/partners/add").status_code == 403


def test_the_chair_team_adds_a_partner_once_and_a_taken_id_is_refused_at_its_field(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    data = {**form_of(browser_client, "/app/partners/add"), "partner_id": "kotra",
            "name": "KOTRA", "kind": "government", "year": "2027"}  # fmt: skip
    done = browser_client.post("/app/partners/add", data=data)
    assert done.status_code == 200, done.text
    assert "Done: PartnerAdded" in done.text
    assert browser_client.post("/app/partners/add", data=data).status_code == 200
    assert len(site.cycle.store.read_stream("partners")) == 4  # 2 + 1 outcome + this one
    taken = {**data, "idempotency_key": "another", "partner_id": "jica", "name": "JICA 2"}
    refused = browser_client.post("/app/partners/add", data=taken)
    assert refused.status_code == 409
    assert "already on the list" in error_of(refused.text, "partner_id")
    other_year = {**data, "idempotency_key": "third", "partner_id": "x", "year": "2026"}
    assert browser_client.post("/app/partners/add", data=other_year).status_code == 403


def test_a_second_partner_at_a_time_needs_an_exception(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    path = "/app/partners/twinning"
    data = {**form_of(browser_client, path), "city_id": KL, "partner_id": "adb",
            "starts": "2027-01-01", "ends": "2027-12-31"}  # fmt: skip
    refused = browser_client.post(path, data=data)
    assert refused.status_code == 409
    assert "one partner at a time" in refused.text
    unknown = browser_client.post(path, data={**data, "exception_id": "second"})
    assert "no exception 'second'" in error_of(unknown.text, "exception_id")
    backwards = browser_client.post(path, data={**data, "ends": "2026-01-01"})
    assert backwards.status_code == 422
    assert "ends (2026-01-01) is before starts" in error_of(backwards.text, "ends")
    assert len(site.cycle.store.read_stream(f"twinning-{KL}")) == 1


def test_an_annual_meetings_outcome_names_its_partner(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    path = "/app/partners/meeting-outcome"
    data = {**form_of(browser_client, path), "year": "2027", "city_id": KL,
            "project_id": "flood-sensors", "title": "Flood sensors",
            "partner_id": "kotra"}  # fmt: skip
    refused = browser_client.post(path, data=data)
    assert refused.status_code == 409
    assert "unknown partner 'kotra'" in error_of(refused.text, "partner_id")
    brought = {**data, "new_partner_id": "kotra", "new_partner_name": "KOTRA",
               "new_partner_kind": "government"}  # fmt: skip
    done = browser_client.post(path, data=brought)
    assert done.status_code == 200, done.text
    assert "Done: PartnerAdded, ProjectLaunchedAtMeeting" in done.text


def test_every_records_form_needs_its_csrf_token(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    forged = {"csrf_token": "forged", "idempotency_key": "k"}
    for path in (EDIT, f"{assess_path('smart-traffic')}/assess",
                 f"{assess_path('smart-traffic')}/not-assessed",
                 "/app/assessments/2027/progress-review", "/app/partners/add",
                 "/app/partners/twinning", "/app/partners/twinning-exception",
                 "/app/partners/meeting-outcome"):  # fmt: skip
        answer = browser_client.post(path, data=forged)
        assert answer.status_code == 403, path
        assert "Form expired" in answer.text
    assert site.records.calls == []
    assert site.gateway.calls == []


def full_plan_form(projects: int) -> list[tuple[str, str]]:
    """A plan form as a browser sends it: every field of every fieldset (the spare one
    blank), each project with every focus area ticked."""
    areas = [a.id for a in ReferenceData.load().focus_areas]
    fields = [("slots", str(projects + 1)), ("period_start", "2026"), ("period_end", "2030")]
    for index in range(projects + 1):
        given = index < projects
        fields += [
            (f"projects-{index}-project_id", f"project-{index}" if given else ""),
            (f"projects-{index}-title", f"Project {index}" if given else ""),
            (f"projects-{index}-status", "planned"),
            *((f"projects-{index}-focus_areas", area) for area in (areas if given else [])),
            (f"projects-{index}-action_lines", "First phase" if given else ""),
            (f"projects-{index}-partners", ""), (f"projects-{index}-milestones", ""),
        ]  # fmt: skip
    return fields


def test_a_plan_of_the_most_projects_with_every_focus_area_is_recorded(
    browser_client: TestClient, site: Site
) -> None:
    """Past 1,000 fields (the web framework's default): the form's own bound is taken."""
    signed_in(browser_client, site, "csco-kl")
    fields = [*form_of(browser_client, EDIT).items(), *full_plan_form(MAX_PROJECTS)]
    assert len(fields) > 1000

    done = browser_client.post(EDIT, content=urlencode(fields), headers=FORM)

    assert done.status_code == 200, done.text[:2000]
    assert "Done: ActionPlanSubmitted" in done.text
    assert versions(site) == 2


def test_a_form_of_100000_fields_is_refused_at_once_with_a_page_naming_the_limit(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "csco-kl")
    fields = [*form_of(browser_client, EDIT).items(), *((f"f{i}", "x") for i in range(100_000))]
    started = time.monotonic()

    refused = browser_client.post(EDIT, content=urlencode(fields), headers=FORM)

    took = time.monotonic() - started
    assert refused.status_code == 400, refused.text[:2000]
    assert refused.headers["content-type"].startswith("text/html")
    assert f"(Too many fields. Maximum number of fields is {PLAN_FORM_FIELDS})" in refused.text
    assert "Nothing was recorded" in refused.text
    assert took < 10, f"{took:.1f} s to refuse it"  # the parser stops at the limit
    assert versions(site) == 1
    assert site.records.calls == []
