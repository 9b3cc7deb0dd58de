"""The report's HTML in a real browser (Debian's Chromium through Playwright), served with
the policy the API sends it with: nothing refused, no axe-core violation, the charts'
colours drawn, and no sideways scrolling on a phone or a desktop.

Without /usr/bin/chromium these tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reports.csp import content_security_policy
from reports.html import render_html
from tests.report.rendering import checkpoint, seeded

CHROMIUM = Path(os.environ.get("ASCN_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
URL = "https://report.test/2019.html"

if not CHROMIUM.exists():
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, Page, Route, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def opened(browser: Browser, width: int, errors: list[str]) -> Page:
    html = render_html(seeded(), checkpoint())
    policy = content_security_policy(html)

    def serve(route: Route) -> None:
        route.fulfill(
            status=200,
            body=html,
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": policy},
        )

    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(URL, serve)
    page.goto(URL)
    return page


def test_the_report_draws_under_its_policy_with_no_violation(browser: Browser) -> None:
    errors: list[str] = []
    page = opened(browser, 1280, errors)
    # The stylesheet applied (allowed by its hash), and the bars kept their colour
    # (presentation attributes, which no policy refuses).
    assert page.eval_on_selector("body", "e => getComputedStyle(e).maxWidth") == "1152px"
    fills = page.eval_on_selector_all(
        "#on-time svg path[fill='#0072b2']", "ps => ps.map(p => getComputedStyle(p).fill)"
    )
    assert fills
    assert set(fills) == {"rgb(0, 114, 178)"}
    violations = [
        f"{v['id']}: {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert violations == []
    assert errors == []  # nothing the policy refused


@pytest.mark.parametrize("width", [390, 1280])
def test_the_page_never_scrolls_sideways(browser: Browser, width: int) -> None:
    errors: list[str] = []
    page = opened(browser, width, errors)
    scroll, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client
    assert errors == []
