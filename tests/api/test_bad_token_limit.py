"""A client that sends too many bad tokens is refused (429) before any token lookup."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api import auth
from api.app import create_app
from tests.api.conftest import NOW, FakeGateway, FakeStatus, bearer, fake_cycles

LIMIT = 3
GUESSER, COLLEAGUE = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def app(api_engine: Engine) -> FastAPI:
    return create_app(
        engine=api_engine, cycles=fake_cycles(api_engine, FakeGateway()), clock=lambda: NOW,
        status=FakeStatus(),
        auth_failure_limit=f"{LIMIT}/minute",
    )  # fmt: skip


@contextmanager
def client_at(app: FastAPI, address: str) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, client=(address, 50000)) as client:
        yield client


def test_a_burst_of_bad_tokens_is_refused_with_retry_after(app: FastAPI) -> None:
    with client_at(app, GUESSER) as guesser:
        tries = [guesser.get("/v1/cycles/2027", headers=bearer(f"guess-{n}")) for n in range(5)]

    assert [r.status_code for r in tries] == [401] * LIMIT + [429, 429]
    refused = tries[LIMIT]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert "too many requests with a missing or bad bearer token" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_missing_tokens_count_as_bad_ones(app: FastAPI) -> None:
    with client_at(app, GUESSER) as guesser:
        tries = [guesser.get("/v1/cycles/2027") for _ in range(LIMIT + 1)]

    assert [r.status_code for r in tries] == [401] * LIMIT + [429]


def test_a_limited_client_is_refused_without_its_token_being_looked_up(
    app: FastAPI, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with client_at(app, GUESSER) as guesser:
        for n in range(LIMIT):
            guesser.get("/v1/cycles/2027", headers=bearer(f"guess-{n}"))
        lookups: list[str] = []
        monkeypatch.setattr(auth, "authenticate", lambda *args: lookups.append("lookup"))

        refused = guesser.get("/v1/cycles/2027", headers=bearer(tokens["shepherd:ID"]))

    assert refused.status_code == 429
    assert lookups == []


def test_a_good_token_from_another_client_still_works(app: FastAPI, tokens: dict[str, str]) -> None:
    with client_at(app, GUESSER) as guesser:
        for n in range(LIMIT + 1):
            guesser.get("/v1/cycles/2027", headers=bearer(f"guess-{n}"))

    with client_at(app, COLLEAGUE) as colleague:
        answered = colleague.get("/v1/cycles/2027", headers=bearer(tokens["shepherd:ID"]))

    assert answered.status_code == 200


def test_good_tokens_are_never_counted(app: FastAPI, tokens: dict[str, str]) -> None:
    with client_at(app, COLLEAGUE) as colleague:
        good = [
            colleague.get("/v1/cycles/2027", headers=bearer(tokens["admin"])) for _ in range(10)
        ]
        typos = [colleague.get("/v1/cycles/2027", headers=bearer("typo")) for _ in range(LIMIT)]

    assert {r.status_code for r in good} == {200}
    assert {r.status_code for r in typos} == {401}


def test_a_bad_token_with_a_bad_body_counts_too(app: FastAPI) -> None:
    with client_at(app, GUESSER) as guesser:
        tries = [
            guesser.post("/v1/users", content=b"{not json", headers=bearer("guess"))
            for _ in range(LIMIT + 1)
        ]

    assert [r.status_code for r in tries] == [401] * LIMIT + [429]
