"""Every response carries the security headers; /docs loads nothing from elsewhere and is
off in production; HEAD answers wherever GET does."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from api.app import create_app
from api.docs import ASSETS
from tests.api.conftest import NOW, FakeGateway, FakeStatus, bearer, fake_cycles

LOCKED = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def assert_hardened(response: Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_every_kind_of_answer_is_hardened(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    nr = bearer(tokens["nr:MY"])
    gateway.error = RuntimeError("a bug")
    answers = {
        "200": client.get("/v1/me", headers=nr),
        "ics": client.get("/v1/cycles/2027/calendar.ics", headers=nr),
        "401": client.get("/v1/me"),
        "404": client.get("/v1/nowhere", headers=nr),
        "422": client.get("/v1/cycles/1900", headers=nr),
        "500": client.post("/v1/cycles/2027/nil-returns", json={"member_state": "MY"}, headers=nr),
    }

    assert {name: r.status_code for name, r in answers.items()} == {
        "200": 200, "ics": 200, "401": 401, "404": 404, "422": 422, "500": 500,
    }  # fmt: skip
    for response in answers.values():
        assert_hardened(response)
        assert response.headers["content-security-policy"] == LOCKED


def test_the_docs_page_loads_only_what_this_api_serves(client: TestClient) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assert_hardened(page)
    assert not re.findall(r'(?:src|href)="(?!/docs/static/)', page.text)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy
    assert "http" not in policy
    for asset in re.findall(r'(?:src|href)="(/docs/static/[^"]+)"', page.text):
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.content == (ASSETS / asset.rsplit("/", 1)[1]).read_bytes()
    assert "Apache License" in (ASSETS / "LICENSE").read_text()
    assert client.get("/redoc").status_code == 404  # ReDoc comes from a CDN: off
    assert client.get("/openapi.json").status_code == 200  # public outside production


@pytest.fixture
def production(api_engine: Engine, gateway: FakeGateway) -> Iterator[TestClient]:
    app = create_app(
        engine=api_engine, cycles=fake_cycles(api_engine, gateway), clock=lambda: NOW,
        status=FakeStatus(), production=True,
    )  # fmt: skip
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_in_production_docs_are_off_and_the_schema_is_for_admins(
    production: TestClient, tokens: dict[str, str]
) -> None:
    assert production.get("/docs").status_code == 404
    assert production.get("/docs/static/swagger-ui-bundle.js").status_code == 404
    assert production.get("/openapi.json").status_code == 401
    assert production.get("/openapi.json", headers=bearer(tokens["shepherd:ID"])).status_code == 403
    schema = production.get("/openapi.json", headers=bearer(tokens["admin"]))
    assert schema.status_code == 200
    assert "/v1/me" in schema.json()["paths"]
    assert_hardened(schema)


@pytest.mark.parametrize(
    "path", ["/v1/cycles/2027/calendar.ics", "/v1/cycles/2027/calendar/MY.ics", "/v1/cycles/2027"]
)
def test_head_answers_as_get_without_the_body(
    client: TestClient, tokens: dict[str, str], path: str
) -> None:
    headers = bearer(tokens["nr:MY"])

    got = client.get(path, headers=headers)
    head = client.head(path, headers=headers)
    anonymous = client.head(path)

    assert (head.status_code, head.content) == (200, b"")
    for name in ("content-type", "content-length", "ascn-store-head"):
        assert head.headers.get(name) == got.headers.get(name)
    assert anonymous.status_code == 401
    assert_hardened(head)
