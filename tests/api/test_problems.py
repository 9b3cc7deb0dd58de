"""Every error is application/problem+json; a bad request names the field and sends nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from domain.actors import Actor
from domain.events import CycleOpened
from domain.streams import cycle_stream
from eventstore.codec import to_new_event
from eventstore.store import EventStore
from services.errors import CycleNotFound, CycleUnavailable
from tests.api.conftest import NOW, FakeGateway, bearer
from workflows.messages import DeclareNilReturnUpdate, SubmitNominationsUpdate

CITY = {"city": "Singapore", "csco": {"name": "CSCO SG", "email": "csco@example.org"}}
NR = {"name": "NR SG", "email": "nr@example.org"}


def nominations(**changes: Any) -> dict[str, Any]:
    return {"member_state": "SG", "national_representative": NR, "cities": [CITY], **changes}


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


@pytest.mark.parametrize(
    ("role", "path", "body", "field", "message"),
    [
        ("nr:SG", "/v1/cycles/2027/nominations",
         nominations(national_representative={"name": "NR", "email": "not-an-address"}),
         "national_representative.email", "not a valid email address"),
        ("nr:SG", "/v1/cycles/2027/nominations",
         nominations(cities=[{"city": "Singapore",
                              "csco": {"name": "CSCO", "email": '"><script>@x'}}]),
         "cities.0.csco.email", "not a valid email address"),
        ("nr:SG", "/v1/cycles/2027/nominations",
         nominations(cities=[{"city": "  ", "csco": CITY["csco"]}]),
         "cities.0.city", "at least 1 character"),
        ("nr:SG", "/v1/cycles/2027/nominations", nominations(member_state="sg"),
         "member_state", "should match pattern"),
        ("nr:SG", "/v1/cycles/2027/nominations", nominations(sent_at="2027-02-10T09:00:00"),
         "sent_at", "timezone"),
        ("nr:SG", "/v1/cycles/2027/nominations", nominations(citys=[]),
         "citys", "Extra inputs are not permitted"),
        ("nr:SG", "/v1/cycles/2027/nominations", {"member_state": "SG", "cities": [CITY]},
         "national_representative", "Field required"),
        ("nr:SG", "/v1/cycles/1900/nil-returns", {"member_state": "SG"},
         "year", "greater than or equal to 1967"),
        ("chair_team:SG", "/v1/cycles/2027/steps/scgw/waive", {"reason": "   "},
         "reason", "at least 1 character"),
        ("chair_team:SG", "/v1/cycles/2027/steps/scgw/extend",
         {"new_deadline": "2027-06-30T23:59:59", "reason": "later"}, "new_deadline", "timezone"),
        ("chair_team:SG", "/v1/cycles/2027/exceptions",
         {"member_state": "MY", "exception_id": "x", "rule": "any_rule", "reason": "r"},
         "rule", "'max_cities' or 'capital_required'"),
        ("chair_team:SG", "/v1/cycles/2027/exceptions",
         {"member_state": "MY", "exception_id": "x\x00y", "rule": "max_cities",
          "max_cities": 4, "reason": "r"},
         "exception_id", "character 2 is U+0000 NUL, a control character"),
        ("shepherd:ID", "/v1/cycles", {"year": 2027, "template": "inaugural-2018"},
         "template", "the inaugural-2018 template is for 2018, not 2027"),
        ("shepherd:ID", "/v1/cycles", {"year": 2027, "template": "yearly"},
         "template", "'recurring' or 'inaugural-2018'"),
        ("admin", "/v1/users", {"name": "kim", "role": "chair"}, "role", "unknown role 'chair'"),
        ("admin", "/v1/users", {"name": "kim", "role": "nr:ZZ"}, "role", "unknown member state"),
        ("admin", "/v1/users", {"name": "kim\t", "role": "admin"}, "name", "not a valid user"),
        ("admin", "/v1/users", {"name": "a/b", "role": "admin"}, "name",
         "must match ^[a-z0-9][a-z0-9._-]{0,63}$"),
    ],
)  # fmt: skip
def test_a_bad_field_is_named_and_nothing_is_sent(
    client: TestClient,
    gateway: FakeGateway,
    tokens: dict[str, str],
    role: str,
    path: str,
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = client.post(path, json=body, headers=bearer(tokens[role]))

    problem = problem_of(response, 422)
    assert problem["type"] == "urn:ascn:problem:invalid-request"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert message in problem["errors"][0]["message"]
    assert field in problem["detail"]
    assert gateway.calls == []


def test_malformed_json_is_a_problem_too(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        "/v1/cycles/2027/steps/scgw/waive",
        content=b'{"reason": ',
        headers={**bearer(tokens["chair_team:SG"]), "content-type": "application/json"},
    )

    assert problem_of(response, 422)["errors"][0]["field"] == "body"


def test_a_refusal_is_a_409_with_the_cycles_message(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    gateway.refusal = "MY nominated 4 cities; at most 3 are allowed without an exception"

    response = client.post(
        "/v1/cycles/2027/nil-returns", json={"member_state": "MY"}, headers=bearer(tokens["nr:MY"])
    )

    problem = problem_of(response, 409)
    assert problem["type"] == "urn:ascn:problem:refused"
    assert problem["detail"] == gateway.refusal
    assert "errors" not in problem


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (CycleNotFound(2027), 404, "urn:ascn:problem:no-cycle"),
        (CycleUnavailable("ascn-cycle-2027 did not answer in time"), 503,
         "urn:ascn:problem:cycle-unavailable"),
        (RuntimeError("secret internals"), 500, "about:blank"),
    ],
)  # fmt: skip
def test_gateway_failures_are_problems(
    client: TestClient,
    gateway: FakeGateway,
    tokens: dict[str, str],
    error: Exception,
    status: int,
    kind: str,
) -> None:
    gateway.error = error

    response = client.post(
        "/v1/cycles/2027/steps/scgw/approve", headers=bearer(tokens["chair_team:SG"])
    )

    problem = problem_of(response, status)
    assert problem["type"] == kind
    assert "secret" not in problem["detail"]


def test_unknown_routes_methods_and_cycles_are_problems(
    client: TestClient, tokens: dict[str, str]
) -> None:
    problem_of(client.get("/v2/anything"), 404)
    wrong_method = client.delete("/v1/cycles/2027", headers=bearer(tokens["admin"]))
    problem_of(wrong_method, 405)
    assert wrong_method.headers["allow"] == "GET"
    missing = client.get("/v1/cycles/1999", headers=bearer(tokens["admin"]))
    assert "1999" in problem_of(missing, 404)["detail"]


def test_the_services_seal_the_receipt_time_and_ignore_a_claimed_sent_at(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["nr:SG"])
    client.post("/v1/cycles/2027/nominations", json=nominations(), headers=headers)
    backdated = "2027-01-20T18:00:00+08:00"
    client.post(
        "/v1/cycles/2027/nil-returns",
        json={"member_state": "SG", "sent_at": backdated},
        headers=headers,
    )

    submitted, nil_return = (call.payload for call in gateway.calls)
    assert isinstance(submitted, SubmitNominationsUpdate)
    assert isinstance(nil_return, DeclareNilReturnUpdate)
    for update in (submitted, nil_return):
        assert update.sent_at is None
        assert update.seal is not None
        assert update.seal.received_at == NOW
    assert [c.city for c in submitted.cities] == ["Singapore"]


def test_an_idempotency_key_becomes_the_update_id_within_its_actors(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    headers = {**bearer(tokens["chair_team:SG"]), "Idempotency-Key": "approve-scgw-1"}
    client.post("/v1/cycles/2027/steps/scgw/approve", headers=headers)
    client.post("/v1/cycles/2027/steps/scgw/approve", headers=bearer(tokens["chair_team:SG"]))

    assert gateway.update_ids == ["chair_team:SG/sg-chair-team|approve-scgw-1", None]


def test_an_nr_may_not_act_for_another_member_state(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/v1/cycles/2027/nominations",
        json=nominations(member_state="MY"),
        headers=bearer(tokens["nr:SG"]),
    )

    assert "only the NR of MY (nr:MY) may" in problem_of(response, 403)["detail"]
    assert gateway.calls == []


@pytest.mark.parametrize("token", [None, "not-a-token"])
@pytest.mark.parametrize("content", [b'{"reason": ', b'{"reason": ""}'])
def test_without_a_live_token_a_bad_body_is_still_a_401(
    client: TestClient, token: str | None, content: bytes
) -> None:
    headers = {"content-type": "application/json", **(bearer(token) if token else {})}

    response = client.post("/v1/cycles/2027/steps/scgw/waive", content=content, headers=headers)

    problem_of(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_year_whose_cycle_already_ran_is_never_started_again(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str], api_engine: Engine
) -> None:
    fact = CycleOpened(year=2030, chair="VN", shepherd="ID", template="recurring")
    ran = to_new_event(
        fact, event_id=uuid.uuid4(), occurred_at=NOW, actor=Actor(id="ascn-engine", role="system")
    )
    EventStore(api_engine).append(cycle_stream(2030), [ran], expected_version=0)

    response = client.post("/v1/cycles", json={"year": 2030}, headers=bearer(tokens["shepherd:ID"]))

    assert "the 2030 cycle has already started" in problem_of(response, 409)["detail"]
    assert gateway.calls == []
