"""Request bodies are bounded (``api.limits``): over the limit is a 413 problem naming
it, before the body is read whole, and nothing reaches the cycle."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message

from api.limits import API_BODY_LIMIT, LARGE_BODY_LIMIT, MiB
from tests.api.conftest import FakeGateway, bearer

CHUNK = 64 * 1024


def stream(
    app: FastAPI, path: str, headers: dict[str, str], size: int
) -> tuple[int, dict[str, Any], int]:
    """POST ``size`` bytes to ``app`` in chunks with no Content-Length, as a client
    streaming a body would: the status, the JSON answer, and how much the app took."""
    taken = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal taken
        if taken >= size:
            return {"type": "http.disconnect"}
        first = taken == 0
        taken += CHUNK
        body = b'{"member_state": "MY", "x": "' if first else b"a" * CHUNK
        return {"type": "http.request", "body": body, "more_body": taken < size}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1234), "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), taken


def test_a_json_body_over_1_mib_is_a_413_problem_naming_the_limit(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    body = b'{"member_state": "MY", "x": "' + b"a" * API_BODY_LIMIT + b'"}'

    answer = client.post(
        "/v1/cycles/2027/nil-returns", content=body,
        headers={**bearer(tokens["nr:MY"]), "Content-Type": "application/json"},
    )  # fmt: skip

    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == {
        "type": "urn:ascn:problem:too-large", "title": "Request body too large", "status": 413,
        "detail": "the request body is larger than 1,048,576 bytes, the most this route "
        "takes; nothing was done",
    }  # fmt: skip
    assert gateway.calls == []


def test_a_50_mib_body_without_a_length_is_cut_off_not_read_whole(
    app: FastAPI, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    headers = {**bearer(tokens["nr:MY"]), "Content-Type": "application/json"}

    status, answer, taken = stream(app, "/v1/cycles/2027/nil-returns", headers, 50 * MiB)

    assert status == 413
    assert answer["type"] == "urn:ascn:problem:too-large"
    assert API_BODY_LIMIT < taken <= API_BODY_LIMIT + CHUNK
    assert gateway.calls == []


def test_a_body_within_the_limit_is_read_as_before(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    body = b'{"member_state": "MY", "x": "' + b"a" * (API_BODY_LIMIT - 100) + b'"}'

    answer = client.post(
        "/v1/cycles/2027/nil-returns", content=body,
        headers={**bearer(tokens["nr:MY"]), "Content-Type": "application/json"},
    )  # fmt: skip

    assert answer.status_code == 422  # read whole: the unknown field is named
    assert answer.json()["errors"][0]["field"] == "x"


def test_a_report_narrative_may_be_larger_up_to_its_own_limit(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = {**bearer(tokens["asec"]), "Content-Type": "application/json"}
    text = "\\u0e01" * 20_000  # a section of Thai, every character escaped
    sections = ",".join(f'{{"heading": "S{n}", "text": "{text}"}}' for n in range(20))
    largest = f'{{"narrative": [{sections}]}}'.encode()
    too_much = b'{"narrative": "' + b"a" * LARGE_BODY_LIMIT + b'"}'

    fits = client.post("/v1/cycles/2027/report/drafts", content=largest, headers=headers)
    refused = client.post("/v1/cycles/2027/report/drafts", content=too_much, headers=headers)

    assert len(largest) > 2 * MiB
    assert fits.status_code != 413, fits.text[:300]
    assert refused.status_code == 413
    assert "4,194,304 bytes" in refused.json()["detail"]
