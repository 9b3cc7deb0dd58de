"""A retry never records twice: the same Idempotency-Key and body get the first answer
without reaching the cycle again; the key with another request is a 422."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from services.errors import CycleUnavailable
from services.idempotency import TTL
from tests.api.conftest import NOW, FakeGateway, FakeStatus, bearer, fake_cycles
from tests.api.test_problems import problem_of
from workflows.messages import SealedUpdate, UpdateResult

NIL_RETURN = "/v1/cycles/2027/nil-returns"
WAIVE = "/v1/cycles/2027/steps/scgw/waive"
APPROVE = "/v1/cycles/2027/steps/scgw/approve"


def keyed(token: str, key: str | None = None) -> dict[str, str]:
    return {**bearer(token), "Idempotency-Key": key or f"key-{uuid.uuid4()}"}


@pytest.mark.parametrize(
    ("role", "path", "body", "status"),
    [
        ("nr:MY", NIL_RETURN, {"member_state": "MY"}, 200),
        ("chair_team:SG", APPROVE, None, 200),
        ("shepherd:ID", "/v1/cycles", {"year": 2027}, 201),
    ],
)
def test_the_same_key_and_body_get_the_same_answer_from_one_call(
    client: TestClient,
    gateway: FakeGateway,
    tokens: dict[str, str],
    role: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
) -> None:
    headers = keyed(tokens[role])

    first = client.post(path, json=body, headers=headers)
    retry = client.post(path, json=body, headers=headers)

    assert first.status_code == retry.status_code == status, first.text
    assert retry.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(gateway.calls) == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [(WAIVE, {"reason": "held with the annual meeting, after all"}), (APPROVE, None)],
    ids=["another body", "another route"],
)
def test_the_key_with_another_request_is_422_naming_the_header(
    client: TestClient,
    gateway: FakeGateway,
    tokens: dict[str, str],
    path: str,
    body: dict[str, Any] | None,
) -> None:
    headers = keyed(tokens["chair_team:SG"])
    client.post(WAIVE, json={"reason": "held with the annual meeting"}, headers=headers)

    reused = client.post(path, json=body, headers=headers)

    problem = problem_of(reused, 422)
    assert problem["type"] == "urn:ascn:problem:invalid-request"
    assert [e["field"] for e in problem["errors"]] == ["idempotency-key"]
    assert "Idempotency-Key" in problem["detail"]
    assert f"POST {WAIVE}" in problem["detail"]
    assert len(gateway.calls) == 1


def test_a_refusal_is_the_answer_a_retry_gets(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    headers = keyed(tokens["nr:MY"])
    gateway.refusal = "nominations for 2027 are closed"
    refused = client.post(NIL_RETURN, json={"member_state": "MY"}, headers=headers)
    gateway.refusal = None

    retry = client.post(NIL_RETURN, json={"member_state": "MY"}, headers=headers)

    assert problem_of(retry, 409) == problem_of(refused, 409)
    assert retry.headers["content-type"] == "application/problem+json"
    assert len(gateway.calls) == 1


def test_try_again_is_not_stored_and_the_retry_is_sent_again(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    key = f"key-{uuid.uuid4()}"
    headers = keyed(tokens["nr:MY"], key)
    gateway.error = CycleUnavailable("ascn-cycle-2027 did not answer in time")
    unavailable = client.post(NIL_RETURN, json={"member_state": "MY"}, headers=headers)
    gateway.error = None

    retry = client.post(NIL_RETURN, json={"member_state": "MY"}, headers=headers)

    assert unavailable.status_code == 503
    assert retry.status_code == 200
    assert len(gateway.calls) == 2
    assert gateway.update_ids == [f"nr:MY/nr-my|{key}"]


def test_two_people_with_one_key_are_two_requests(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    key = f"key-{uuid.uuid4()}"

    for role in ("chair_team:SG", "asec"):
        assert client.post(APPROVE, headers=keyed(tokens[role], key)).status_code == 200

    assert len(gateway.calls) == 2
    assert len(set(gateway.update_ids)) == 2


@dataclass
class HeldGateway(FakeGateway):
    """Holds every approval until two have arrived, as twins racing would."""

    arrived: int = 0
    both: asyncio.Event = field(default_factory=asyncio.Event)

    async def approve_step(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        self.arrived += 1
        if self.arrived == 2:
            self.both.set()
        await self.both.wait()
        return await super().approve_step(year, update, update_id)


async def test_twins_racing_with_one_key_get_one_answer(
    api_engine: Engine, tokens: dict[str, str]
) -> None:
    gateway = HeldGateway()
    app = create_app(
        engine=api_engine, cycles=fake_cycles(api_engine, gateway), clock=lambda: NOW,
        status=FakeStatus(),
    )  # fmt: skip
    headers = keyed(tokens["chair_team:SG"])

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ascn"
    ) as http:
        twins = await asyncio.wait_for(
            asyncio.gather(
                http.post(APPROVE, headers=headers), http.post(APPROVE, headers=headers)
            ),
            timeout=30,
        )

    assert [t.status_code for t in twins] == [200, 200]
    assert twins[0].json() == twins[1].json()
    # Both reached the cycle, as one Temporal update: the same id, so one effect.
    assert len(gateway.update_ids) == 2
    assert len(set(gateway.update_ids)) == 1


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def later_client(api_engine: Engine, gateway: FakeGateway, clock: Clock) -> Iterator[TestClient]:
    app = create_app(
        engine=api_engine, cycles=fake_cycles(api_engine, gateway), clock=clock,
        status=FakeStatus(),
    )  # fmt: skip
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_key_is_forgotten_after_seven_days(
    later_client: TestClient, gateway: FakeGateway, tokens: dict[str, str], clock: Clock
) -> None:
    headers = keyed(tokens["chair_team:SG"])
    later_client.post(WAIVE, json={"reason": "first"}, headers=headers)

    clock.now = NOW + TTL - timedelta(seconds=1)
    still_kept = later_client.post(WAIVE, json={"reason": "second"}, headers=headers)
    clock.now = NOW + TTL
    forgotten = later_client.post(WAIVE, json={"reason": "second"}, headers=headers)

    assert timedelta(days=7) == TTL
    assert still_kept.status_code == 422
    assert forgotten.status_code == 200
    assert len(gateway.calls) == 2
