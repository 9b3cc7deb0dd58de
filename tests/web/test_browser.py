"""The pages in a real browser: Debian's Chromium driven by Playwright, against the app
served by uvicorn over a store of real cycle facts (the gateway records what the cycle
would; ``tests/web/conftest.py``). Each page is checked with axe-core (no serious or
critical violation) and saved as a screenshot.

Chromium is /usr/bin/chromium (``apt-get install chromium``; `.ci/run` installs it).
Without it these tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from domain.events import DeadlineExtended, StepOpened
from domain.streams import cycle_stream
from tests.web.conftest import STEPS, YEAR, Site, build_site

CHROMIUM = Path(os.environ.get("ASCN_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SHOTS = Path(os.environ.get("ASCN_SCREENSHOTS_DIR", "build/screenshots"))

if not CHROMIUM.exists():
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import (  # noqa: E402
    Browser,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = build_site(tmp_path_factory.mktemp("browser") / "web.db", base_url=base)
    server = uvicorn.Server(
        uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield site, base
    server.should_exit = True
    thread.join(timeout=10)
    site.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    errors = ERRORS.setdefault(id(opened), [])
    opened.on("console", lambda m: errors.append(m.text) if logged_error(m) else None)
    opened.on("pageerror", lambda e: errors.append(str(e)))
    yield opened
    context.close()
    # htmx and Pico run under the pages' CSP: nothing refused, nothing thrown.
    assert ERRORS.pop(id(opened)) == [], "the pages logged errors"


def logged_error(message: ConsoleMessage) -> bool:
    """An error the page logged; a refusal (4xx) the test asked for is none."""
    refused = re.search(r"responded with a status of 4\d\d", message.text)
    return message.type == "error" and refused is None


SAVED: set[str] = set()
"""The screenshots this run took."""
ERRORS: dict[int, list[str]] = {}
"""Each open page's console errors and uncaught exceptions, from the pages themselves
(``check_page`` drops those its own tools cause: the screenshot's caret-hiding style,
which the pages' CSP refuses, and axe-core's requests)."""


def check_page(page: Page, name: str) -> None:
    """No error logged by the page so far; no serious or critical axe-core violation;
    a full-page screenshot."""
    errors = ERRORS.get(id(page), [])
    assert errors == [], f"{name}: " + "\n".join(errors)
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    SAVED.add(name)
    page.wait_for_timeout(50)
    errors.clear()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def sign_in(page: Page, served: tuple[Site, str], name: str) -> None:
    site, base = served
    page.goto(f"{base}/app/signin")
    check_page(page, "signin")
    page.get_by_label("Your user name").fill(name)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    page.goto(site.outbox.last_link())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()


def test_an_nr_signs_in_from_the_mailed_link_and_submits_nominations(
    page: Page, served: tuple[Site, str]
) -> None:
    site, _base = served
    sign_in(page, served, "nr-my")
    check_page(page, "home-nr")
    nav(page, "What my state owes")
    expect(page.get_by_role("heading", name="What MY owes")).to_be_visible()
    check_page(page, "nr")
    page.get_by_role("link", name="Nominate or declare no change").click()
    page.get_by_label("Your name").fill("Aziz Rahman")
    page.get_by_label("Your e-mail").fill("aziz@example.my")
    page.get_by_label("Nominate Kuala Lumpur").check()
    page.get_by_label("CSCO of Kuala Lumpur: name").fill("Siti Nur")
    page.get_by_label("CSCO of Kuala Lumpur: e-mail").fill("siti@example.my")
    page.get_by_label("Nominate Johor Bahru").check()
    page.get_by_label("CSCO of Johor Bahru: name").fill("Lim Wei")
    page.get_by_label("CSCO of Johor Bahru: e-mail").fill("lim@example.my")
    check_page(page, "nominations")
    page.get_by_role("button", name="Submit the nominations").click()
    expect(page.get_by_role("status")).to_contain_text("Done: NominationsSubmitted")
    expect(page.get_by_text("Standing now: Johor Bahru, Kuala Lumpur (capital)")).to_be_visible()
    assert [call[0] for call in site.gateway.calls][-1] == "submit_nominations"


def test_a_refused_submission_shows_its_error_next_to_the_form(
    page: Page, served: tuple[Site, str]
) -> None:
    _site, base = served
    sign_in(page, served, "nr-my")
    page.goto(f"{base}/app/cycles/{YEAR}/nominations")
    page.get_by_label("Your name").fill("Aziz Rahman")
    page.get_by_label("Your e-mail").fill("aziz@example.my")
    for city in ("Kuala Lumpur", "Johor Bahru", "Kota Kinabalu", "Kuching"):
        page.get_by_label(f"Nominate {city}").check()
        page.get_by_label(f"CSCO of {city}: name").fill("Siti Nur")
        page.get_by_label(f"CSCO of {city}: e-mail").fill("siti@example.my")
    page.get_by_role("button", name="Submit the nominations").click()
    alert = page.locator("#nominations-form").locator("xpath=..").get_by_role("alert")
    expect(alert).to_contain_text("at most 3 without an exception")
    check_page(page, "nominations-refused")


def test_the_shepherd_sees_the_grid_and_the_timeline_change(
    page: Page, served: tuple[Site, str]
) -> None:
    site, _base = served
    sign_in(page, served, "id-shepherd")
    nav(page, "Cycles")
    check_page(page, "cycles")
    page.get_by_role("link", name=str(YEAR)).click()
    expect(page.get_by_role("heading", name=f"Cycle {YEAR}")).to_be_visible()
    check_page(page, "cycle")
    cell = page.locator("#grid tr", has_text="VN").locator("td").first
    expect(cell).to_have_attribute("data-status", "escalated")
    extensions = page.locator("svg.gantt rect.ext").count()
    # The cycle moves on: VN nominates, and the Chair's team gives the step a week more.
    site.cycle.nominate("VN", [("Ha Noi", True)])
    deadline = STEPS[0][4]
    site.cycle.record(cycle_stream(YEAR), [
        DeadlineExtended(year=YEAR, step=STEPS[0][0], previous_deadline=deadline,
                         new_deadline=deadline + timedelta(days=7), reason="holidays"),
    ])  # fmt: skip
    page.reload()
    expect(cell).to_have_attribute("data-status", "submitted")
    expect(page.locator("svg.gantt rect.ext")).to_have_count(extensions + 1)
    expect(page.locator("svg.gantt line.today")).to_have_count(1)
    expect(page.locator("svg.gantt polygon.esc")).to_have_count(1)
    page.get_by_role("link", name="The audit trail").click()
    page.get_by_label("Member state").select_option("VN")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("VN nominates Ha Noi*")).to_be_visible()
    check_page(page, "audit")
    nav(page, "Store check")
    expect(page.get_by_role("status")).to_contain_text("every hash chain intact")
    check_page(page, "verify")
    nav(page, "Failed mail")
    check_page(page, "mail")


def test_the_chair_team_approves_from_the_inbox(page: Page, served: tuple[Site, str]) -> None:
    site, _base = served
    sign_in(page, served, "sg-chair-team")
    nav(page, "Inbox")
    step = page.locator(f"#step-{YEAR}-nomination_deadline")
    expect(step).to_contain_text("Still outstanding")
    check_page(page, "inbox")
    step.get_by_role("button", name="Approve").click()
    # The browser will not send the form unconfirmed (the box is required).
    assert not any(call[0] == "approve_step" for call in site.gateway.calls)
    step.get_by_label(f"I confirm: approve nomination_deadline of {YEAR}").check()
    step.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").first).to_contain_text("Done: StepApproved")
    expect(page.locator(f"#step-{YEAR}-scgw")).to_be_visible()  # the next step opened
    check_page(page, "inbox-after-approval")


def tab_to(page: Page, element_id: str, limit: int = 300) -> None:
    """Press Tab until the element with ``element_id`` has the focus."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_an_nr_submits_with_the_keyboard_alone(page: Page, served: tuple[Site, str]) -> None:
    site, base = served
    page.goto(f"{base}/app/signin")
    tab_to(page, "name")
    page.keyboard.type("nr-la")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    page.goto(site.outbox.last_link())
    tab_to(page, "signin-button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welcome, nr-la")).to_be_visible()
    page.goto(f"{base}/app/cycles/{YEAR}/nominations")
    tab_to(page, "nr_name")
    page.keyboard.type("Khamphet S.")
    page.keyboard.press("Tab")
    page.keyboard.type("khamphet@example.la")
    cities = page.locator("input[name=city]")
    capital = page.locator("input[name=city][value=Vientiane]").get_attribute("id")
    assert capital is not None
    assert cities.count() >= 1
    tab_to(page, capital)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Bounmy K.")
    page.keyboard.press("Tab")
    page.keyboard.type("bounmy@example.la")
    tab_to(page, "submit-nominations")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Done: NominationsSubmitted")
    assert site.gateway.calls[-1][0] == "submit_nominations"
    check_page(page, "nominations-keyboard")


def test_the_chair_team_approves_with_the_keyboard_alone(
    page: Page, served: tuple[Site, str]
) -> None:
    site, base = served
    sign_in(page, served, "sg-chair-team")
    page.goto(f"{base}/app/inbox")
    first = page.locator("article[id^='step-']").first.get_attribute("id")
    assert first is not None
    step = first.removeprefix("step-")  # whichever step is open now
    tab_to(page, f"confirm-approve-{step}")
    page.keyboard.press("Space")
    tab_to(page, f"approve-{step}")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Done: StepApproved")
    assert site.gateway.calls[-1][0] == "approve_step"


def test_asec_sees_what_it_owes(page: Page, served: tuple[Site, str]) -> None:
    sign_in(page, served, "asec-imd")
    nav(page, "What ASEC owes")
    expect(page.get_by_role("cell", name="ASEC drafts the annual report")).to_be_visible()
    check_page(page, "asec")


def test_a_csco_revises_its_plan_and_asec_assesses_a_project(
    page: Page, served: tuple[Site, str]
) -> None:
    site, _base = served
    sign_in(page, served, "csco-kl")
    nav(page, "Action plans")
    check_page(page, "plans")
    page.get_by_role("link", name="Submit or revise the plan of Kuala Lumpur").click()
    new = page.locator("#project-3")
    new.get_by_label("Project id").fill("bike-share")
    new.get_by_label("Title").fill("Bike sharing")
    new.get_by_label("Quality environment").check()
    new.get_by_label("Milestones, one a line").fill("2028-01-31 First 50 stations")
    check_page(page, "plan-form")
    page.get_by_role("button", name="Submit the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Done: ActionPlanSubmitted")
    expect(page.get_by_role("heading", name="Bike sharing")).to_be_visible()
    check_page(page, "plan")

    sign_in(page, served, "asec-imd")
    nav(page, "Assessments")
    expect(page.locator("#counts")).to_contain_text("3 unassessed")  # bike-share too
    check_page(page, "assessments")
    page.get_by_role("link", name="Assess flood-sensors").click()
    page.get_by_label("Status IMD sees").select_option("stalled")
    page.get_by_label("Evidence", exact=True).fill("No sensor installed; the tender was cancelled.")
    page.get_by_label("Links to the evidence, one a line").fill("www.example.org/tender")
    page.get_by_role("button", name="Record the assessment").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("links: line 1:")
    expect(page.locator("#links-error")).to_contain_text("is not an http(s) URL")
    check_page(page, "assessment-refused")
    alert.get_by_role("link").click()  # the summary takes the keyboard to the field
    page.keyboard.press("Control+A")
    page.keyboard.type("https://example.org/tender")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_role("status")).to_contain_text("Done: ProjectAssessed")
    check_page(page, "assessment")
    assert site.records.calls[-1][0] == "assess_project"


def test_the_chair_team_records_a_bodys_decision(page: Page, served: tuple[Site, str]) -> None:
    site, _base = served
    sign_in(page, served, "sg-chair-team")
    nav(page, "Cycles")
    page.get_by_role("link", name=str(YEAR)).click()
    page.get_by_role("link", name="Decisions up the chain").click()
    page.get_by_label("Step it concerns").select_option("nomination_deadline")
    page.get_by_label("Body", exact=True).select_option("ACC")
    page.get_by_label("Decision", exact=True).select_option("noted")
    page.get_by_label("Meeting").fill("40th ASEAN Coordinating Council")
    page.get_by_label("Concerning").fill(f"Nominations {YEAR}, v1")
    check_page(page, "decision-form")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("Done: BodyDecisionRecorded")
    expect(page.locator("#decisions")).to_contain_text("40th ASEAN Coordinating Council")
    check_page(page, "decisions")
    assert site.gateway.calls[-1][0] == "record_decision"
    nav(page, "Partners and twinning")
    expect(page.locator("#twinning-active")).to_contain_text("MY-kuala-lumpur")
    check_page(page, "partners")
    nav(page, "Candidature cities")
    check_page(page, "candidates")


def test_asec_drafts_the_report_and_submits_it(page: Page, served: tuple[Site, str]) -> None:
    site, base = served
    deadline = next(step[4] for step in STEPS if step[0] == "report_draft")
    site.cycle.record(cycle_stream(YEAR), [StepOpened(year=YEAR, step="report_draft",
                                                      deadline=deadline)])  # fmt: skip
    sign_in(page, served, "asec-imd")
    nav(page, "Report")
    expect(page.get_by_role("heading", name=f"The {YEAR} annual report")).to_be_visible()
    expect(page.locator("#versions")).to_contain_text("No version drafted yet.")
    check_page(page, "report")
    page.get_by_label("Heading").fill("Foreword")
    page.get_by_label("Text").fill("The year in brief.")
    page.get_by_role("button", name="Add another section").click()
    second = page.locator("#section-1")
    second.get_by_label("Heading").fill("Progress on the action plans")
    second.get_by_label("Text").fill("IMD assessed the projects of four cities.")
    check_page(page, "report-draft-form")
    page.get_by_role("button", name="Draft version 1").click()
    expect(page.get_by_role("status")).to_contain_text("Done: ReportDrafted: version 1")
    row = page.locator("#versions tr[data-version='1']")
    expect(row).to_contain_text("Foreword; Progress on the action plans")
    expect(page.locator("#section-1").get_by_label("Heading")).to_have_value(
        "Progress on the action plans"
    )  # the next draft starts from this one
    page.get_by_role("button", name="Submit version 1").click()
    expect(page.get_by_role("status")).to_contain_text("Done: ReportDraftSubmitted: version 1")
    expect(row).to_contain_text("submitted by ASEC")
    check_page(page, "report-submitted")
    assert [call[0] for call in site.gateway.calls][-2:] == ["draft_report", "submit_report_draft"]
    row.get_by_role("link", name="Read version 1 as HTML").click()  # not through htmx
    expect(page.get_by_text("IMD assessed the projects of four cities.")).to_be_visible()
    page.goto(f"{base}/app/cycles/{YEAR}/report")  # the cycle's page links to it too
    expect(page.locator("#versions tr[data-version='1']")).to_contain_text("submitted by ASEC")


def test_the_readmes_screenshots_were_taken_in_this_run() -> None:
    """The README shows four of them (copied to docs/); each run takes them afresh."""
    for name in ("nominations", "inbox", "cycle", "assessment-refused"):
        assert name in SAVED, f"no screenshot of {name} in this run"
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000
