"""The pages over a store of real cycle facts (no browser): sign-in, CSRF, the forms,
what each role sees, and the security headers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from api.security import PAGES
from services.signin import LINK_TTL
from tests.web.conftest import Site, build_site, csrf_of, field_of, signed_in


def test_a_page_without_a_session_sends_the_browser_to_sign_in(browser_client: TestClient) -> None:
    answer = browser_client.get("/app/nr", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/signin?next=/app/nr"


def test_the_mailed_link_signs_in_once_and_the_session_cookie_is_locked_down(
    browser_client: TestClient, site: Site
) -> None:
    form = browser_client.get("/app/signin")
    browser_client.post("/app/signin", data={"name": "nr-my", "csrf_token": csrf_of(form.text)})
    _message, recipients = site.outbox.sent[-1]
    assert recipients == [site.app.state.web.contacts.get("nr:MY").email]
    link = site.outbox.last_link().replace("http://testserver", "")
    token = link.split("token=")[1]
    opened = browser_client.get(link)
    assert "ascn_session" not in opened.headers.get("set-cookie", ""), "opening signs no one in"
    first = browser_client.post(
        "/app/signin/link", data={"token": token, "csrf_token": csrf_of(opened.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert first.status_code == 303
    cookie = first.headers["set-cookie"]
    assert "ascn_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development; production sets it (test below)
    assert browser_client.get("/app/nr").status_code == 200
    browser_client.cookies.delete("ascn_session")
    again = browser_client.post(
        "/app/signin/link", data={"token": token, "csrf_token": csrf_of(opened.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 400
    assert "already used or expired" in again.text


def test_a_link_older_than_15_minutes_does_not_sign_in(
    browser_client: TestClient, site: Site
) -> None:
    form = browser_client.get("/app/signin")
    browser_client.post("/app/signin", data={"name": "nr-my", "csrf_token": csrf_of(form.text)})
    token = site.outbox.last_link().split("token=")[1]
    site.clock[0] += LINK_TTL + timedelta(seconds=1)
    page = browser_client.get("/app/signin/link")
    answer = browser_client.post(
        "/app/signin/link", data={"token": token, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 400


def test_an_unknown_user_gets_the_same_answer_and_no_mail(
    browser_client: TestClient, site: Site
) -> None:
    form = browser_client.get("/app/signin")
    answer = browser_client.post(
        "/app/signin", data={"name": "nobody", "csrf_token": csrf_of(form.text)}
    )
    assert answer.status_code == 200
    assert "Check your mail" in answer.text
    assert site.outbox.sent == []


def test_a_form_without_its_csrf_token_is_refused_and_does_nothing(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "nr-my")
    answer = browser_client.post(
        "/app/cycles/2027/nil-return", data={"idempotency_key": "k1", "csrf_token": "forged"}
    )
    assert answer.status_code == 403
    assert "Form expired" in answer.text
    assert site.gateway.calls == []


def test_signing_out_ends_the_session(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    session = browser_client.cookies["ascn_session"]
    home = browser_client.get("/app")
    browser_client.post("/app/signout", data={"csrf_token": csrf_of(home.text)})
    browser_client.cookies.set("ascn_session", session)
    assert browser_client.get("/app/nr", follow_redirects=False).status_code == 303


def test_sessions_expire(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    site.clock[0] += site.app.state.web.session_ttl + timedelta(seconds=1)
    assert browser_client.get("/app/nr", follow_redirects=False).status_code == 303


def test_api_tokens_keep_working_beside_the_pages(browser_client: TestClient, site: Site) -> None:
    from domain.actors import Actor
    from eventstore.store import EventStore
    from services import users

    directory = users.Directory(store=EventStore(site.engine), clock=lambda: site.clock[0])
    token = users.issue_token(
        directory, users.IssueToken(name="id-shepherd"), Actor(id="root", role="admin")
    ).token
    answer = browser_client.get("/v1/cycles/2027", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json()["year"] == 2027


def test_an_nr_sees_what_its_state_owes_and_by_when(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    page = browser_client.get("/app/nr")
    assert "What MY owes" in page.text
    assert "Sun 28 Feb 2027" in page.text  # the nominations' deadline
    form = browser_client.get("/app/cycles/2027/nominations")
    assert "Kuala Lumpur" in form.text
    assert "(capital)" in form.text
    assert 'name="csco_email[Kuala Lumpur]"' in form.text


def test_a_return_made_is_owed_no_more(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    before = browser_client.get("/app/nr").text
    site.cycle.nominate("MY", [("Kuala Lumpur", True)])
    after = browser_client.get("/app/nr").text

    assert "<td>2027</td><td>Nominations</td>" in before
    assert "<td>2027</td><td>Nominations</td>" not in after
    # The workshop, which every member state will owe, is still listed.
    assert "<td>2027</td><td>Smart Cities Governance Workshop</td>" in after
    assert "nothing yet" in before
    assert "nothing yet" not in after


def test_an_nr_submits_nominations_with_one_key_per_intended_action(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "nr-my")
    form = browser_client.get("/app/cycles/2027/nominations")
    data = {
        "csrf_token": csrf_of(form.text), "idempotency_key": field_of(form.text, "idempotency_key"),
        "nr_name": "Aziz", "nr_email": "aziz@example.my", "city": ["Kuala Lumpur"],
        "csco_name[Kuala Lumpur]": "Siti", "csco_email[Kuala Lumpur]": "siti@example.my",
    }  # fmt: skip
    answer = browser_client.post("/app/cycles/2027/nominations", data=data)
    assert answer.status_code == 200, answer.text
    assert "Done: NominationsSubmitted" in answer.text
    assert site.gateway.calls == [("submit_nominations", f"nr:MY/nr-my|{data['idempotency_key']}")]
    assert "Kuala Lumpur (capital)" in answer.text  # the read model shows it standing


def test_a_refused_submission_shows_the_cycles_message_next_to_the_form(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "nr-my")
    form = browser_client.get("/app/cycles/2027/nominations")
    data = {
        "csrf_token": csrf_of(form.text), "idempotency_key": "key-1",
        "nr_name": "Aziz", "nr_email": "aziz@example.my",
        "city": ["Kuala Lumpur", "Johor Bahru", "Kota Kinabalu", "Kuching"],
    }  # fmt: skip
    for city in data["city"]:
        data[f"csco_name[{city}]"] = "Siti"
        data[f"csco_email[{city}]"] = "siti@example.my"
    answer = browser_client.post("/app/cycles/2027/nominations", data=data)
    assert answer.status_code == 409
    assert 'role="alert"' in answer.text
    assert "at most 3 without an exception" in answer.text


def test_bad_input_names_the_field_and_sends_nothing(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "nr-my")
    form = browser_client.get("/app/cycles/2027/nominations")
    data = {
        "csrf_token": csrf_of(form.text), "idempotency_key": "key-2", "nr_name": "Aziz",
        "nr_email": "not-an-address", "city": ["Kuala Lumpur"],
        "csco_name[Kuala Lumpur]": "Siti", "csco_email[Kuala Lumpur]": "siti@example.my",
    }  # fmt: skip
    answer = browser_client.post("/app/cycles/2027/nominations", data=data)
    assert answer.status_code == 422
    assert "email" in answer.text
    assert site.gateway.calls == []


def test_the_chair_team_approves_from_the_inbox_with_a_confirmation(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    inbox = browser_client.get("/app/inbox")
    assert "Still outstanding" in inbox.text
    assert "Bangkok" in inbox.text
    key = field_of(inbox.text, "idempotency_key")
    base = {"csrf_token": csrf_of(inbox.text), "idempotency_key": key}
    unconfirmed = browser_client.post(
        "/app/cycles/2027/steps/nomination_deadline/approve", data=base
    )
    assert unconfirmed.status_code == 409
    assert "tick the box" in unconfirmed.text
    assert site.gateway.calls == []
    done = browser_client.post(
        "/app/cycles/2027/steps/nomination_deadline/approve", data={**base, "confirm": "yes"}
    )
    assert done.status_code == 200
    assert "Done: StepApproved" in done.text
    assert site.gateway.calls == [("approve_step", f"chair_team:SG/sg-chair-team|{key}")]


def test_an_extension_needs_a_reason_and_shows_the_cycles_refusal(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    inbox = browser_client.get("/app/inbox")
    url = "/app/cycles/2027/steps/nomination_deadline/extend"
    base = {
        "csrf_token": csrf_of(inbox.text),
        "idempotency_key": "x-1",
        "new_deadline": "2027-03-20",
    }
    no_reason = browser_client.post(url, data=base)
    assert no_reason.status_code == 409
    assert "reason" in no_reason.text
    refused = browser_client.post(url, data={**base, "reason": "holidays"})
    assert refused.status_code == 409
    assert "must be after the current one" in refused.text


def test_an_nr_may_not_open_the_inbox(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    assert browser_client.get("/app/inbox").status_code == 403


def test_the_shepherd_sees_the_grid_the_timeline_and_the_audit_trail(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "id-shepherd")
    page = browser_client.get("/app/cycles/2027")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert 'class="today"' in page.text
    assert 'data-status="submitted"' in page.text
    assert 'data-status="escalated"' in page.text
    audit = browser_client.get("/app/cycles/2027/audit?member_state=TH")
    assert "TH nominates Bangkok*" in audit.text
    assert "SG nominates" not in audit.text
    event_link = audit.text.split('href="/app/events/')[1].split('"')[0]
    event = browser_client.get(f"/app/events/{event_link}")
    assert event.status_code == 200
    assert "Hash" in event.text
    verified = browser_client.get("/app/verify")
    assert "every hash chain intact" in verified.text


def test_asec_sees_what_it_owes(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "asec-imd")
    page = browser_client.get("/app/asec")
    assert "ASEC drafts the annual report" in page.text
    assert 'href="/app/cycles/2027/report">Draft or submit the 2027 report' in page.text
    assert browser_client.get("/app/asec/monitoring").status_code == 200


def test_pages_allow_only_their_own_scripts_and_styles(browser_client: TestClient) -> None:
    page = browser_client.get("/app/signin")
    assert page.headers["content-security-policy"] == PAGES
    assert "'unsafe-inline'" not in PAGES
    assert browser_client.get("/static/web/htmx.min.js").status_code == 200
    api = browser_client.get("/v1/cycles/2027")
    assert "default-src 'none'; frame-ancestors" in api.headers["content-security-policy"]


def test_outside_development_the_cookies_are_secure(tmp_path: Path) -> None:
    site = build_site(tmp_path / "secure.db", base_url="https://testserver", secure=True)
    with TestClient(site.app, base_url="https://testserver") as client:
        form = client.get("/app/signin")
        assert "Secure" in form.headers["set-cookie"]  # the CSRF cookie
        client.post("/app/signin", data={"name": "nr-my", "csrf_token": csrf_of(form.text)})
        token = site.outbox.last_link().split("token=")[1]
        opened = client.get("/app/signin/link")
        signed = client.post(
            "/app/signin/link", data={"token": token, "csrf_token": csrf_of(opened.text)},
            follow_redirects=False,
        )  # fmt: skip
        assert "Secure" in signed.headers["set-cookie"]
        assert "ascn_session=" in signed.headers["set-cookie"]
    site.engine.dispose()


def test_the_health_route_answers_without_a_session_and_reads_the_store(
    browser_client: TestClient, site: Site
) -> None:
    answer = browser_client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "store_head": site.cycle.store.last_position()}


def test_an_nr_gets_a_calendar_link_of_its_own_state_once(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "nr-my")
    page = browser_client.get("/app/nr")
    answer = browser_client.post("/app/feeds", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 200
    url = answer.text.split('readonly value="')[1].split('"')[0]
    assert url.startswith("http://testserver/v1/feeds/")
    assert url.endswith("/cycles/2027/MY.ics")
    feed = browser_client.get(url.removeprefix("http://testserver"))
    assert feed.status_code == 200
    assert "BEGIN:VCALENDAR" in feed.text


PAGES_READ = [
    "/app", "/app/nr", "/app/inbox", "/app/cycles", "/app/cycles/2027",
    "/app/cycles/2027/audit", "/app/mail", "/app/verify", "/app/asec",
    "/app/asec/monitoring", "/app/cycles/2027/nominations", "/healthz",
    "/app/plans", "/app/plans/MY-kuala-lumpur", "/app/plans/MY-kuala-lumpur/edit",
    "/app/assessments", "/app/assessments/2027/MY-kuala-lumpur/smart-traffic",
    "/app/partners", "/app/partners/twinning", "/app/cycles/2027/decisions",
    "/app/candidature-cities", "/app/cycles/2027/report", "/app/asec/report",
    "/app/cycles/2027/report/document?format=json",
]  # fmt: skip


def test_every_page_only_reads(browser_client: TestClient, site: Site) -> None:
    from tests.api.test_reads_are_read_only import dump

    for name in ("id-shepherd", "nr-my", "sg-chair-team", "asec-imd", "csco-kl"):
        browser_client.cookies.clear()
        signed_in(browser_client, site, name)
        before = dump(site.engine)
        statuses = {path: browser_client.get(path).status_code for path in PAGES_READ}
        assert dump(site.engine) == before, name
        assert set(statuses.values()) <= {200, 403}, statuses


def test_a_form_missing_a_field_is_a_422_naming_it(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    home = browser_client.get("/app")
    answer = browser_client.post(
        "/app/cycles/2027/nil-return", data={"csrf_token": csrf_of(home.text)}
    )
    assert answer.status_code == 422
    assert "idempotency_key" in answer.text
    assert site.gateway.calls == []


def test_a_sign_in_links_token_stays_out_of_the_access_log() -> None:
    from api.access_log import redact

    line = '127.0.0.1 - "GET /app/signin/link?token=abcDEF_-123&next=/app/nr HTTP/1.1" 200'
    assert (
        redact(line)
        == '127.0.0.1 - "GET /app/signin/link?token=[redacted]&next=/app/nr HTTP/1.1" 200'
    )


def test_a_form_past_the_frameworks_1000_fields_is_a_page_naming_the_limit(
    browser_client: TestClient, site: Site
) -> None:
    """The nominations form reads its body itself (no declared form field): the same page."""
    signed_in(browser_client, site, "nr-my")
    form = browser_client.get("/app/cycles/2027/nominations")
    data = {"csrf_token": csrf_of(form.text), **{f"city-{i}": "x" for i in range(1001)}}

    answer = browser_client.post("/app/cycles/2027/nominations", data=data)

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert "(Too many fields. Maximum number of fields is 1000)" in answer.text
    assert "Nothing was recorded" in answer.text
    assert site.gateway.calls == []
