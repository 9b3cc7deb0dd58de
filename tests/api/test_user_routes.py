"""An admin manages users and tokens over the API: list, disable, enable, revoke, rotate."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from tests.api.conftest import NOW, FakeGateway, FakeStatus, bearer, fake_cycles


@pytest.fixture
def admin(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["admin"])


def new_user(client: TestClient, admin: dict[str, str], name: str) -> dict[str, Any]:
    """Add ``name`` (an NR of Thailand) and return their first token as issued."""
    added = client.post("/v1/users", json={"name": name, "role": "nr:TH"}, headers=admin)
    assert added.status_code == 201, added.text
    issued = client.post(f"/v1/users/{name}/tokens", headers=admin)
    assert issued.status_code == 201, issued.text
    body: dict[str, Any] = issued.json()
    return body


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def can_read(client: TestClient, token: str) -> bool:
    status: int = client.get("/v1/cycles/2027", headers=bearer(token)).status_code
    return status == 200


def test_a_token_is_issued_with_its_id_and_expiry_and_is_never_cached(
    client: TestClient, admin: dict[str, str]
) -> None:
    added = client.post("/v1/users", json={"name": "imd-1", "role": "nr:TH"}, headers=admin)
    issued = client.post("/v1/users/imd-1/tokens", headers=admin)

    assert added.json()["tokens"] == []
    assert issued.headers["cache-control"] == "no-store"
    assert issued.json()["token_id"].startswith("tok_")
    assert issued.json()["expires_at"] == iso(NOW + timedelta(days=90))
    assert can_read(client, issued.json()["token"])


def test_the_list_shows_token_ids_and_times_but_never_a_token(
    client: TestClient, admin: dict[str, str]
) -> None:
    issued = new_user(client, admin, "imd-2")

    listed = client.get("/v1/users", headers=admin)

    assert listed.status_code == 200
    (user,) = [u for u in listed.json() if u["name"] == "imd-2"]
    assert user["tokens"] == [
        {"token_id": issued["token_id"], "created_at": iso(NOW),
         "expires_at": issued["expires_at"], "revoked_at": None},
    ]  # fmt: skip
    assert issued["token"] not in listed.text
    assert hashlib.sha256(issued["token"].encode()).hexdigest() not in listed.text


def test_a_disabled_users_tokens_stop_working_until_enabled(
    client: TestClient, admin: dict[str, str]
) -> None:
    token = new_user(client, admin, "imd-3")["token"]

    disabled = client.post("/v1/users/imd-3/disable", headers=admin)
    refused = client.get("/v1/cycles/2027", headers=bearer(token))
    enabled = client.post("/v1/users/imd-3/enable", headers=admin)

    assert disabled.json()["disabled"] is True
    assert refused.status_code == 401
    assert enabled.json()["disabled"] is False
    assert can_read(client, token)


def test_a_revoked_token_stops_working_and_cannot_be_revoked_again(
    client: TestClient, admin: dict[str, str]
) -> None:
    issued = new_user(client, admin, "imd-4")

    revoked = client.post(f"/v1/tokens/{issued['token_id']}/revoke", headers=admin)
    again = client.post(f"/v1/tokens/{issued['token_id']}/revoke", headers=admin)

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] == iso(NOW)
    assert not can_read(client, issued["token"])
    assert again.status_code == 409
    assert again.json()["type"] == "urn:ascn:problem:conflict"
    assert "already revoked" in again.json()["detail"]


def test_rotating_replaces_a_token_in_one_step(client: TestClient, admin: dict[str, str]) -> None:
    old = new_user(client, admin, "imd-5")

    rotated = client.post(f"/v1/tokens/{old['token_id']}/rotate", headers=admin)

    assert rotated.status_code == 201
    assert rotated.headers["cache-control"] == "no-store"
    new = rotated.json()
    assert (new["name"], new["role"]) == ("imd-5", "nr:TH")
    assert new["token_id"] != old["token_id"]
    assert can_read(client, new["token"])
    assert not can_read(client, old["token"])


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/v1/users/nobody/disable", 404, "no user named 'nobody'"),
        ("/v1/users/nobody/enable", 404, "no user named 'nobody'"),
        ("/v1/tokens/tok_000000000000/revoke", 404, "no token with id 'tok_000000000000'"),
        ("/v1/tokens/tok_000000000000/rotate", 404, "no token with id 'tok_000000000000'"),
        ("/v1/tokens/not-a-token-id/revoke", 422, "token_id: String should match pattern"),
    ],
)
def test_unknown_users_and_tokens_are_problems(
    client: TestClient, admin: dict[str, str], path: str, status: int, detail: str
) -> None:
    response = client.post(path, headers=admin)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_a_token_past_its_expiry_is_refused(
    api_engine: Engine, admin: dict[str, str], client: TestClient
) -> None:
    token = new_user(client, admin, "imd-6")["token"]
    later = create_app(
        engine=api_engine, cycles=fake_cycles(api_engine, FakeGateway()), status=FakeStatus(),
        clock=lambda: NOW + timedelta(days=90),
    )  # fmt: skip

    with TestClient(later, raise_server_exceptions=False) as at_expiry:
        refused = at_expiry.get("/v1/cycles/2027", headers=bearer(token))

    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]
