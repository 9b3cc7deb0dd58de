"""Calendar feeds a calendar application can subscribe to: a private URL per person,
answering what its owner may read, revocable, and good for nothing else."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import Engine

from eventstore.store import EventStore
from services import users
from tests.api.conftest import NOW, SETUP, bearer, user_with_token
from tests.api.test_problems import problem_of


@pytest.fixture
def nr(api_engine: Engine) -> dict[str, str]:
    """An NR of Malaysia of this test's own (what one test revokes or disables, no
    other test needs), and their bearer token."""
    name = f"nr-my-{uuid.uuid4().hex[:8]}"
    return {"name": name, "token": user_with_token(api_engine, name, "nr:MY")}


def new_feed(client: TestClient, token: str) -> dict[str, Any]:
    response = client.post("/v1/feeds", headers=bearer(token))
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    feed: dict[str, Any] = response.json()
    return feed


def url(feed: dict[str, Any], member_state: str | None = None, year: int = 2027) -> str:
    path = feed["member_state_feed"] if member_state else feed["cycle_feed"]
    return str(path).replace("{year}", str(year)).replace("{AMS}", member_state or "")


def test_a_feed_reads_what_its_owner_may_read_without_a_bearer_token(
    client: TestClient, nr: dict[str, str]
) -> None:
    feed = new_feed(client, nr["token"])

    cycle = client.get(url(feed))
    own = client.get(url(feed, "MY"))
    other = client.get(url(feed, "TH"))
    nowhere = client.get(url(feed, "XX"))
    no_cycle = client.get(url(feed, year=1999))
    head = client.head(url(feed))
    with_bearer = client.get("/v1/cycles/2027/calendar.ics", headers=bearer(nr["token"]))

    assert feed["cycle_feed"] == f"/v1/feeds/{feed['token']}/cycles/{{year}}.ics"
    assert cycle.status_code == 200
    assert cycle.headers["content-type"].startswith("text/calendar")
    assert cycle.headers["cache-control"] == "private, no-store"
    assert cycle.content == with_bearer.content
    (event,) = Calendar.from_ical(own.content).walk("VEVENT")
    assert str(event["UID"]) == "2027-nomination_deadline@ascn"
    assert problem_of(other, 403)["detail"].startswith(
        f"nr:MY/{nr['name']} may not read the calendar of TH: an NR reads its own member "
        "state's only"
    )
    assert problem_of(nowhere, 404)
    assert problem_of(no_cycle, 404)["type"] == "urn:ascn:problem:no-cycle"
    assert (head.status_code, head.content) == (200, b"")


def test_feeds_are_listed_by_id_to_their_owner_only(
    client: TestClient, nr: dict[str, str], tokens: dict[str, str]
) -> None:
    feed = new_feed(client, nr["token"])

    mine = client.get("/v1/feeds", headers=bearer(nr["token"])).json()
    theirs = client.get("/v1/feeds", headers=bearer(tokens["nr:SG"])).json()

    assert mine == [
        {"feed_id": feed["feed_id"], "created_at": feed["created_at"], "revoked_at": None}
    ]
    assert feed["token"] not in str(mine)
    assert feed["feed_id"] not in str(theirs)


def test_a_revoked_feed_is_gone_and_only_its_owner_revokes_it(
    client: TestClient, nr: dict[str, str], tokens: dict[str, str]
) -> None:
    feed = new_feed(client, nr["token"])
    revoke = f"/v1/feeds/{feed['feed_id']}/revoke"

    by_another = client.post(revoke, headers=bearer(tokens["admin"]))
    revoked = client.post(revoke, headers=bearer(nr["token"]))
    again = client.post(revoke, headers=bearer(nr["token"]))
    after = client.get(url(feed))

    assert "you have no feed" in problem_of(by_another, 404)["detail"]
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert "already revoked" in problem_of(again, 409)["detail"]
    assert "no such feed" in problem_of(after, 404)["detail"]


def test_a_feed_token_grants_nothing_else_and_a_bearer_token_is_no_feed(
    client: TestClient, nr: dict[str, str]
) -> None:
    feed = new_feed(client, nr["token"])

    as_bearer = client.get("/v1/me", headers=bearer(feed["token"]))
    bearer_as_feed = client.get(f"/v1/feeds/{nr['token']}/cycles/2027.ics")

    assert problem_of(as_bearer, 401)
    assert problem_of(bearer_as_feed, 404)


def test_a_disabled_owners_feeds_stop_until_they_are_enabled(
    client: TestClient, api_engine: Engine, nr: dict[str, str]
) -> None:
    feed = new_feed(client, nr["token"])
    directory = users.Directory(store=EventStore(api_engine), clock=lambda: NOW)

    users.disable_user(directory, users.DisableUser(name=nr["name"]), SETUP)
    disabled = client.get(url(feed)).status_code
    users.enable_user(directory, users.EnableUser(name=nr["name"]), SETUP)
    enabled = client.get(url(feed)).status_code

    assert (disabled, enabled) == (404, 200)


def test_the_store_knows_a_feed_by_its_hash_only(
    client: TestClient, api_engine: Engine, nr: dict[str, str]
) -> None:
    feed = new_feed(client, nr["token"])

    recorded = [e for e in EventStore(api_engine).read_stream("users") if e.type == "FeedIssued"]
    mine = [e for e in recorded if e.data["feed_id"] == feed["feed_id"]]

    assert [(e.actor, e.data["user"]) for e in mine] == [(f"nr:MY/{nr['name']}", nr["name"])]
    assert feed["token"] not in str([e.export_dict() for e in recorded])


def test_a_malformed_feed_url_is_422_not_a_request_for_a_bearer_token(
    client: TestClient, nr: dict[str, str]
) -> None:
    feed = new_feed(client, nr["token"])

    response = client.get(url(feed, year=1900))

    assert [e["field"] for e in problem_of(response, 422)["errors"]] == ["year"]
    assert "www-authenticate" not in response.headers
