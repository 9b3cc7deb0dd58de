"""The chain's pages (no browser): each body's decisions and the JCM submission on a
cycle's page of their own, the Chair's team's and ASEC's form to record a decision,
and candidature cities proposed by an NR and decided by the Chair's team."""

from __future__ import annotations

from html import unescape

from fastapi.testclient import TestClient

from domain.membership import MEMBERSHIP_STREAM
from domain.streams import cycle_stream
from tests.web.conftest import YEAR, Site, csrf_of, signed_in
from tests.web.test_records_pages import error_of, form_of

DECISIONS = f"/app/cycles/{YEAR}/decisions"
CITIES = "/app/candidature-cities"


def decision(**changes: str) -> dict[str, str]:
    fields = {"step": "nomination_deadline", "body": "ACC", "decision": "noted",
              "decided_on": "2027-03-01", "meeting": "40th ACC",
              "concerning": "Nominations 2027, v1"}  # fmt: skip
    fields.update(changes)
    return fields


def decisions_in_store(site: Site) -> int:
    stream = site.cycle.store.read_stream(cycle_stream(YEAR))
    return sum(1 for event in stream if event.type == "BodyDecisionRecorded")


def test_the_cycle_page_links_to_its_decisions(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    cycle = browser_client.get(f"/app/cycles/{YEAR}")
    assert f'href="{DECISIONS}"' in cycle.text
    page = browser_client.get(DECISIONS)
    assert page.status_code == 200
    assert "Nobody has submitted the report yet." in page.text
    assert 'id="jcm-status"' in page.text
    assert "Record a body" not in page.text  # an NR does not record decisions


def test_the_chair_team_records_a_decision_once(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    data = {**form_of(browser_client, DECISIONS), **decision()}
    done = browser_client.post(DECISIONS, data=data)
    assert done.status_code == 200, done.text
    assert "Done: BodyDecisionRecorded" in done.text
    table = done.text.split('id="decisions"')[1].split("</table>")[0]
    assert "40th ACC" in table
    assert "chair_team:SG/sg-chair-team" in table
    again = browser_client.post(DECISIONS, data=data)
    assert again.status_code == 200
    key = data["idempotency_key"]
    assert site.gateway.calls[0] == ("record_decision", f"chair_team:SG/sg-chair-team|{key}")


def test_a_refused_decision_names_its_field_and_records_nothing(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "asec-imd")  # ASEC records decisions too
    base = form_of(browser_client, DECISIONS)
    deferred = browser_client.post(DECISIONS, data={**base, **decision(decision="deferred")})
    assert deferred.status_code == 409
    assert "it needs a new deadline" in error_of(deferred.text, "new_deadline")
    noted = browser_client.post(DECISIONS, data={**base, **decision(new_deadline="2027-04-30")})
    assert "only a deferral or a return" in error_of(noted.text, "new_deadline")
    later = browser_client.post(DECISIONS, data={**base, **decision(decided_on="2027-05-01")})
    assert "is after today" in error_of(later.text, "decided_on")
    nobody = browser_client.post(DECISIONS, data={**base, **decision(body="UN")})
    assert "does not receive the 2027 report" in error_of(nobody.text, "body")
    pending = browser_client.post(DECISIONS, data={**base, **decision(step="jcm_submission")})
    assert "has not opened yet" in error_of(pending.text, "step")
    missing = browser_client.post(DECISIONS, data={**base, **decision(meeting="")})
    assert missing.status_code == 422
    assert error_of(missing.text, "meeting") == "required"
    assert 'value="Nominations 2027, v1"' in missing.text  # drawn again as it was sent
    assert decisions_in_store(site) == 0


def test_a_deferral_reopens_the_step_until_its_new_deadline(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    data = {**form_of(browser_client, DECISIONS),
            **decision(body="AMM", decision="deferred", new_deadline="2027-03-31")}  # fmt: skip
    done = browser_client.post(DECISIONS, data=data)
    assert done.status_code == 200, done.text
    assert "Done: BodyDecisionRecorded, StepReopened" in done.text
    assert "reopened until Wed 31 Mar 2027" in done.text


def test_who_may_not_record_a_decision_gets_a_403(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    home = browser_client.get("/app")
    sent = {"csrf_token": csrf_of(home.text), "idempotency_key": "k", **decision()}
    answer = browser_client.post(DECISIONS, data=sent)
    assert answer.status_code == 403
    assert "only the Chair's team of that year's Chair (chair_team:SG) or ASEC may" in unescape(
        answer.text
    )
    browser_client.cookies.clear()
    signed_in(browser_client, site, "csco-kl")
    assert browser_client.get(DECISIONS).status_code == 403  # a CSCO reads no cycle
    assert browser_client.get(CITIES).status_code == 403
    assert site.gateway.calls == []


def test_an_nr_proposes_a_city_and_the_chair_team_decides(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "nr-my")
    page = browser_client.get(CITIES)
    assert "Propose a city of MY" in page.text
    assert "Decide on the proposed cities" not in page.text
    known = browser_client.post(CITIES, data={**form_of(browser_client, CITIES),
                                              "year": "2027", "city": "Kuching"})  # fmt: skip
    assert known.status_code == 409
    assert "already a city of MY" in error_of(known.text, "city")
    proposed = browser_client.post(CITIES, data={**form_of(browser_client, CITIES),
                                                 "year": "2027", "city": "Ipoh"})  # fmt: skip
    assert proposed.status_code == 200, proposed.text
    assert "Done: CityProposed" in proposed.text

    browser_client.cookies.clear()
    signed_in(browser_client, site, "sg-chair-team")
    page = browser_client.get(CITIES)
    assert "Propose a city" not in page.text
    base = {**form_of(browser_client, CITIES), "candidate": "0", "member_state": "MY",
            "city": "Ipoh", "c0-year": "2027"}  # fmt: skip
    declined = {**base, "c0-decision": "declined"}
    unreasoned = browser_client.post(f"{CITIES}/decisions", data=declined)
    assert unreasoned.status_code == 409
    assert "needs a reason" in error_of(unreasoned.text, "c0-reason")
    accepted = browser_client.post(f"{CITIES}/decisions", data={**base, "c0-decision": "accepted"})
    assert accepted.status_code == 200, accepted.text
    assert "Done: CityDecided" in accepted.text
    assert 'data-state="accepted"' in accepted.text
    assert [e.type for e in site.cycle.store.read_stream(MEMBERSHIP_STREAM)] == [
        "CityProposed", "CityDecided"]  # fmt: skip


def test_candidature_forms_are_each_roles_own(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    home = browser_client.get("/app")
    sent = {"csrf_token": csrf_of(home.text), "idempotency_key": "k", "year": "2027",
            "city": "Ipoh"}  # fmt: skip
    assert browser_client.post(CITIES, data=sent).status_code == 403
    browser_client.cookies.clear()
    signed_in(browser_client, site, "nr-my")
    home = browser_client.get("/app")
    decided = {"csrf_token": csrf_of(home.text), "idempotency_key": "k", "candidate": "0",
               "member_state": "MY", "city": "Ipoh", "c0-year": "2027",
               "c0-decision": "accepted"}  # fmt: skip
    assert browser_client.post(f"{CITIES}/decisions", data=decided).status_code == 403
    forged = {**decided, "csrf_token": "forged"}
    assert browser_client.post(CITIES, data=forged).status_code == 403
    assert browser_client.post(DECISIONS, data=forged).status_code == 403
    assert site.gateway.calls == []
