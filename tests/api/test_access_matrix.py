"""Who may call what: every role, no token and a bad token, against every endpoint.

The roles include ASEC and the Chair's team of another year (the Philippines chaired
2026; the routes act on 2027, which Singapore chairs). An allowed call reaches the
gateway once, as the caller's actor and sealed; a denied one (401 or 403) never does.
A calendar feed's URL carries its token instead of a bearer header: each caller reads
through a feed of its own, and the callers without a token through a feed that does
not exist (404). The pages have their own matrix (``tests/web/test_page_access.py``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from domain.actors import Actor
from domain.events import CycleOpened, ReportDrafted
from domain.reference import ReferenceData
from eventstore.codec import to_new_event
from eventstore.store import EventStore
from reports.source import fingerprint
from services import feeds, users
from tests.api.conftest import NOW, SETUP, USERS, FakeGateway, bearer

CALLERS = [*USERS, "no token", "bad token"]
EVERYONE = set(USERS)
CSCO = "csco:KH-siem-reap"
CYCLE_READERS = EVERYONE - {CSCO}
"""A CSCO reads action plans and partners, nothing of the cycle."""
NO_FEED = "not-a-feed-anyone-was-given"
AUDITORS = {"shepherd:ID", "asec", "admin"}
CHAIR_2027 = {"chair_team:SG"}
CITY = {"city": "Kuala Lumpur", "csco": {"name": "CSCO KL", "email": "kl@example.org"}}


PROJECT = {"project_id": "smart-traffic", "title": "Smart traffic lights",
           "focus_areas": ["built_infrastructure"]}  # fmt: skip
PLAN = {"city_id": "KH-siem-reap", "period_start": 2018, "period_end": 2025,
        "projects": [PROJECT]}  # fmt: skip
ASSESSMENT = {"year": 2027, "city_id": "KH-siem-reap", "project_id": "smart-traffic",
              "status": "ongoing", "evidence": "two junctions done",
              "links": ["https://example.org/r.pdf"]}  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    allowed: frozenset[str]
    ok: int = 200
    body: dict[str, Any] | None = None
    gateway: str | None = None
    """The gateway method an allowed call reaches, if any."""
    feed: bool = False
    """Read through a feed URL (``{feed_token}``), with no bearer token."""

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoint(method: str, path: str, allowed: set[str], **kwargs: Any) -> Endpoint:
    return Endpoint(method, path, frozenset(allowed), **kwargs)


ENDPOINTS = [
    endpoint("POST", "/v1/cycles", {"shepherd:ID"}, ok=201,
             body={"year": 2027, "template": "recurring"}, gateway="start_cycle"),
    endpoint("GET", "/v1/cycles/2027", CYCLE_READERS),
    endpoint("POST", "/v1/cycles/2027/nominations", {"nr:MY"}, gateway="submit_nominations",
             body={"member_state": "MY", "cities": [CITY],
                   "national_representative": {"name": "NR MY", "email": "nr@example.org"}}),
    endpoint("POST", "/v1/cycles/2027/nil-returns", {"nr:MY"}, body={"member_state": "MY"},
             gateway="declare_nil_return"),
    endpoint("GET", "/v1/cycles/2027/nominations", CYCLE_READERS),
    endpoint("GET", "/v1/cycles/2027/calendar.ics", CYCLE_READERS),
    # An NR reads its own member state's calendar only, with a token as through a feed.
    endpoint("GET", "/v1/cycles/2027/calendar/MY.ics", CYCLE_READERS - {"nr:SG"}),
    # ASEC passes the services' check (they do not know who owes a step); the cycle's
    # validator refuses it for a step it does not owe (tests/workflows).
    endpoint("POST", "/v1/cycles/2027/steps/nomination_deadline/approve",
             CHAIR_2027 | {"asec"}, gateway="approve_step"),
    endpoint("POST", "/v1/cycles/2027/steps/nomination_deadline/extend", CHAIR_2027,
             body={"new_deadline": "2027-03-07T23:59:59+07:00", "reason": "the SOM moved"},
             gateway="extend_deadline"),
    endpoint("POST", "/v1/cycles/2027/steps/scgw/waive", CHAIR_2027,
             body={"reason": "held with the annual meeting"}, gateway="waive_step"),
    endpoint("POST", "/v1/cycles/2027/exceptions", CHAIR_2027, gateway="grant_exception",
             body={"member_state": "MY", "exception_id": "MY-2027-4", "rule": "max_cities",
                   "max_cities": 4, "reason": "a fourth pilot city"}),
    endpoint("POST", "/v1/cycles/2027/steps/acc/decisions", CHAIR_2027 | {"asec"},
             gateway="record_decision",
             body={"body": "ACC", "decision": "noted", "decided_on": "2027-02-01",
                   "meeting": "41st ACC", "concerning": "ASCN annual report 2027, v1"}),
    # The Chair of the ASCN is the NR of the year's Chair (Singapore in 2027).
    endpoint("POST", "/v1/cycles/2027/jcm-submission", {"nr:SG", "shepherd:ID"},
             gateway="submit_report"),
    endpoint("POST", "/v1/cycles/2027/progress-review", {"asec"},
             gateway="submit_progress_review"),
    # ASEC drafts the report (a 201: a new version) and submits a draft.
    endpoint("POST", "/v1/cycles/2027/report/drafts", {"asec"}, ok=201, gateway="draft_report",
             body={"narrative": [{"heading": "Foreword", "text": "The year in brief."}]}),
    endpoint("POST", "/v1/cycles/2027/report/draft-submission", {"asec"},
             gateway="submit_report_draft"),
    endpoint("POST", "/v1/cycles/2027/candidature-cities", {"nr:MY"}, gateway="propose_city",
             body={"member_state": "MY", "city": "Ipoh"}),
    endpoint("POST", "/v1/cycles/2027/candidature-cities/decisions", CHAIR_2027,
             gateway="decide_city",
             body={"member_state": "MY", "city": "Ipoh", "decision": "accepted"}),
    endpoint("GET", "/v1/cycles/2027/decisions", CYCLE_READERS),
    # The annual report, live and draft 1, of 2026: ``report_2026`` records its cycle and
    # draft (a 2027 cycle in the store would refuse starting 2027's).
    endpoint("GET", "/v1/cycles/2026/report", CYCLE_READERS),
    endpoint("GET", "/v1/cycles/2026/report/1", CYCLE_READERS),
    endpoint("GET", "/v1/membership", CYCLE_READERS),
    endpoint("GET", "/v1/events?after=0&limit=10", AUDITORS),
    endpoint("POST", "/v1/verify", AUDITORS),
    endpoint("GET", "/v1/ledger/checkpoints", AUDITORS),
    endpoint("GET", "/v1/me", EVERYONE),
    endpoint("POST", "/v1/users", {"admin"}, ok=201, body={"name": "newcomer", "role": "nr:TH"}),
    endpoint("POST", "/v1/users/nr-my/tokens", {"admin"}, ok=201),
    endpoint("GET", "/v1/users", {"admin"}),
    endpoint("POST", "/v1/users/{spare}/disable", {"admin"}),
    endpoint("POST", "/v1/users/{spare}/enable", {"admin"}),
    endpoint("POST", "/v1/tokens/{spare_token}/revoke", {"admin"}),
    endpoint("POST", "/v1/tokens/{spare_token}/rotate", {"admin"}, ok=201),
    endpoint("POST", "/v1/feeds", EVERYONE, ok=201),
    endpoint("GET", "/v1/feeds", EVERYONE),
    endpoint("POST", "/v1/feeds/{own_feed}/revoke", EVERYONE),
    endpoint("GET", "/v1/feeds/{feed_token}/cycles/2027.ics", CYCLE_READERS, feed=True),
    # An NR's feed reads its own member state's calendar only.
    endpoint("GET", "/v1/feeds/{feed_token}/cycles/2027/MY.ics", CYCLE_READERS - {"nr:SG"},
             feed=True),
    # Action plans: the CSCO of the city, or the NR of its member state (Cambodia: none
    # of the NRs here), submits; everyone reads. IMD's assessments: ASEC. Partners,
    # twinning and meeting outcomes: the Chair's team of the year's Chair (2027: SG).
    endpoint("POST", "/v1/plans", {CSCO}, gateway="record", body=PLAN),
    endpoint("GET", "/v1/plans", EVERYONE),
    endpoint("GET", "/v1/plans/KH-siem-reap", EVERYONE),
    endpoint("POST", "/v1/assessments", {"asec"}, gateway="record", body=ASSESSMENT),
    endpoint("POST", "/v1/not-assessed", {"asec"}, gateway="record",
             body={"year": 2027, "city_id": "KH-siem-reap", "project_id": "smart-traffic",
                   "reason": "no report"}),
    endpoint("GET", "/v1/projects/2027", EVERYONE),
    endpoint("GET", "/v1/projects/2027/unassessed", EVERYONE),
    endpoint("POST", "/v1/partners", CHAIR_2027, gateway="record",
             body={"partner_id": "jica", "name": "JICA", "kind": "government", "year": 2027}),
    endpoint("GET", "/v1/partners", EVERYONE),
    endpoint("POST", "/v1/twinning", CHAIR_2027, gateway="record",
             body={"city_id": "KH-siem-reap", "partner_id": "jica", "starts": "2027-01-01",
                   "ends": "2028-12-31"}),
    endpoint("POST", "/v1/twinning/exceptions", CHAIR_2027, gateway="record",
             body={"year": 2027, "city_id": "KH-siem-reap", "exception_id": "second",
                   "reason": "a second partner for the port project"}),
    endpoint("GET", "/v1/twinning", EVERYONE),
    endpoint("POST", "/v1/meeting-outcomes", CHAIR_2027, gateway="record",
             body={"year": 2027, "partners": [{"partner_id": "adb", "name": "ADB",
                                                "kind": "financial_institution"}]}),
    endpoint("GET", "/v1/meeting-outcomes/2027", EVERYONE),
]  # fmt: skip
"""``{spare}`` is a user of each test's own, ``{spare_token}`` their token: what one test
disables or revokes, no other test needs. ``{own_feed}`` is a feed of the caller's own,
``{feed_token}`` the token of one."""


@pytest.fixture(scope="module")
def report_2026(api_engine: Engine) -> None:
    """A 2026 cycle in the store and draft 1 of its report, so the report routes answer
    200 to whoever may read them."""
    store = EventStore(api_engine)
    opened = CycleOpened(year=2026, chair="PH", shepherd="ID", template="recurring")
    store.append("cycle-2026", [to_new_event(opened, event_id=uuid.uuid4(), occurred_at=NOW,
                                             actor=SETUP)], expected_version=None)  # fmt: skip
    as_of, sha = fingerprint(store, ReferenceData.load(), 2026, ())
    draft = ReportDrafted(year=2026, version=1, as_of_position=as_of, document_sha256=sha)
    store.append("cycle-2026", [to_new_event(draft, event_id=uuid.uuid4(), occurred_at=NOW,
                                             actor=SETUP)], expected_version=None)  # fmt: skip


@pytest.fixture
def spare(api_engine: Engine) -> dict[str, str]:
    name = f"spare-{uuid.uuid4().hex[:8]}"
    directory = users.Directory(store=EventStore(api_engine), clock=lambda: NOW)
    users.add_user(directory, users.AddUser(name=name, role="asec"), SETUP)
    issued = users.issue_token(directory, users.IssueToken(name=name), SETUP)
    return {"spare": name, "spare_token": issued.token_id}


def feed_of(api_engine: Engine, caller: str) -> feeds.IssuedFeed | None:
    if caller not in USERS:
        return None
    directory = users.Directory(store=EventStore(api_engine), clock=lambda: NOW)
    return feeds.issue_feed(directory, Actor(id=USERS[caller], role=caller))


def headers_of(caller: str, tokens: dict[str, str]) -> dict[str, str]:
    if caller == "no token":
        return {}
    if caller == "bad token":
        return bearer("not-a-token-anyone-was-given")
    return bearer(tokens[caller])


def expected_status(caller: str, target: Endpoint) -> int:
    if caller in ("no token", "bad token"):
        return 404 if target.feed else 401
    return target.ok if caller in target.allowed else 403


@pytest.mark.parametrize("target", ENDPOINTS, ids=str)
@pytest.mark.parametrize("caller", CALLERS)
def test_access(
    client: TestClient,
    gateway: FakeGateway,
    tokens: dict[str, str],
    spare: dict[str, str],
    api_engine: Engine,
    report_2026: None,
    caller: str,
    target: Endpoint,
) -> None:
    feed = feed_of(api_engine, caller) if "feed" in target.path else None
    own = {
        "own_feed": feed.feed_id if feed else "feed_0123456789ab",
        "feed_token": feed.token if feed else NO_FEED,
    }
    path = target.path.format(**spare, **own)
    response = client.request(
        target.method, path, json=target.body, headers=headers_of(caller, tokens)
    )

    assert response.status_code == expected_status(caller, target), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code
        assert gateway.calls == []
    if target.feed:
        assert "www-authenticate" not in response.headers
    elif caller == "no token":
        assert response.headers["www-authenticate"] == "Bearer"
    elif caller == "bad token":
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    if response.status_code < 400 and target.gateway is not None:
        (call,) = gateway.calls
        assert call.method == target.gateway
        assert call.year == (0 if target.gateway == "record" else 2027)
        assert call.actor == Actor(id=USERS[caller], role=caller)


def test_the_matrix_covers_every_route(app: FastAPI) -> None:
    routes = [
        (method.upper(), re.compile(re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"))
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]
    for method, pattern in routes:
        matching = [
            e for e in ENDPOINTS if e.method == method and pattern.match(e.path.split("?")[0])
        ]
        assert len(matching) == 1, (method, pattern.pattern)
    assert len(routes) == len(ENDPOINTS) == 52
    assert len(CALLERS) * len(ENDPOINTS) == 520
