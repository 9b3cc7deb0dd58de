"""Bad input on a page is answered by a page: a form drawn again with the problem beside
it, an address that names nothing with a 404 (or 400) page. Never the API's
problem+json, and nothing reaches the cycle."""

from __future__ import annotations

from html import unescape

import pytest
from fastapi.testclient import TestClient

from api.limits import LARGE_BODY_LIMIT, MiB
from tests.web.conftest import Site, csrf_of, field_of, signed_in

STEP = "/app/cycles/2027/steps/nomination_deadline"


def inbox_form(client: TestClient) -> dict[str, str]:
    inbox = client.get("/app/inbox")
    return {
        "csrf_token": csrf_of(inbox.text),
        "idempotency_key": field_of(inbox.text, "idempotency_key"),
    }


def refusal_of(html: str) -> str:
    start = html.index('id="refusal">') + len('id="refusal">')
    return unescape(html[start : html.index("</p>", start)])


@pytest.mark.parametrize(
    ("url", "sent", "problem"),
    [
        (f"{STEP}/waive", {"reason": "x" * 2001, "confirm": "yes"},
         "reason: String should have at most 2000 characters"),
        (f"{STEP}/extend", {"reason": "x" * 2001, "new_deadline": "2027-03-20"},
         "reason: String should have at most 2000 characters"),
        (f"{STEP}/extend", {"reason": "the SOM moved", "new_deadline": "9" * 5000},
         "new deadline: '" + "9" * 40 + "' is not a date (YYYY-MM-DD)"),
        ("/app/cycles/2027/exceptions",
         {"member_state": "MY", "exception_id": "x" * 101, "rule": "max_cities",
          "max_cities": "4", "reason": "a fourth pilot city"},
         "exception_id: String should have at most 100 characters"),
        ("/app/cycles/2027/exceptions",
         {"member_state": "MY", "exception_id": "MY-2027-4", "rule": "max_cities",
          "max_cities": "1234", "reason": "a fourth pilot city"},
         "max_cities: Input should be less than or equal to 50"),
        ("/app/cycles/2027/exceptions",
         {"member_state": "MY", "exception_id": "MY-2027-4", "rule": "max_cities",
          "max_cities": "4", "reason": "x" * 2001},
         "reason: String should have at most 2000 characters"),
    ],
)  # fmt: skip
def test_an_inbox_form_with_a_field_too_long_is_drawn_again_with_its_problem(
    browser_client: TestClient, site: Site, url: str, sent: dict[str, str], problem: str
) -> None:
    signed_in(browser_client, site, "sg-chair-team")

    answer = browser_client.post(url, data={**inbox_form(browser_client), **sent})

    assert answer.status_code in (409, 422), answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    assert "Inbox of the Chair's team of SG" in answer.text
    assert refusal_of(answer.text) == f"Refused: {problem}"
    assert site.gateway.calls == []


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/app/cycles/99999", 404, "There is no page at /app/cycles/99999 (year: Input should "
         "be less than or equal to 9999)."),
        ("/app/cycles/abc", 400, "There is no page at /app/cycles/abc (year: Input should be a "
         "valid integer, unable to parse string as an integer)."),
        ("/app/cycles/99999/audit", 404, "There is no page at /app/cycles/99999/audit"),
        ("/app/asec/elsewhere", 404, "There is no page at /app/asec/elsewhere"),
    ],
)  # fmt: skip
def test_an_address_that_names_nothing_is_a_page_saying_so(
    browser_client: TestClient, site: Site, path: str, status: int, says: str
) -> None:
    signed_in(browser_client, site, "id-shepherd")

    answer = browser_client.get(path)

    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert says in unescape(answer.text)


def test_a_form_field_no_handler_reads_itself_is_named_on_a_page(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "sg-chair-team")
    form = inbox_form(browser_client)

    answer = browser_client.post(
        f"{STEP}/approve", data={**form, "idempotency_key": "k" * 201, "confirm": "yes"}
    )

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "This form could not be read" in answer.text
    assert "idempotency_key: String should have at most 200 characters" in answer.text
    assert site.gateway.calls == []


def test_the_api_still_answers_problem_json(browser_client: TestClient, site: Site) -> None:
    answer = browser_client.get("/v1/cycles/99999", headers={"Authorization": "Bearer x"})
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_form_over_the_pages_limit_is_a_page_saying_so(
    browser_client: TestClient, site: Site
) -> None:
    form = browser_client.get("/app/signin")
    token = csrf_of(form.text)

    # Two fields under the parser's 1 MiB a field, over the API's 1 MiB in all.
    large = browser_client.post(
        "/app/signin",
        data={"name": "x" * (MiB - 10), "next": "y" * (MiB // 2), "csrf_token": token},
    )
    too_large = browser_client.post(
        "/app/signin", data={"name": "x" * (LARGE_BODY_LIMIT + 1), "csrf_token": token}
    )

    assert large.status_code == 422  # read whole: a form may be larger than a JSON body
    assert too_large.status_code == 413
    assert too_large.headers["content-type"].startswith("text/html")
    assert "The request body is larger than 4,194,304 bytes" in unescape(too_large.text)
    assert site.outbox.sent == []


def test_a_page_asked_with_a_method_it_does_not_take_is_a_page(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "nr-my")

    answer = browser_client.put("/app/nr")

    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["allow"] == "GET"
    assert "Method Not Allowed" in answer.text
