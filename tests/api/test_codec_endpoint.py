"""The codec endpoint the Temporal web UI calls: admins only, CORS for the UI's origin only."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from ascn.payload_codec import AesGcmCodec, encrypted_converter
from domain.actors import Actor
from tests.api.conftest import NOW, FakeGateway, FakeStatus, bearer, fake_cycles
from workflows.messages import ApproveStepUpdate

KEYRING = {"k1": b"k" * 32}
UI = "http://127.0.0.1:8233"
UPDATE = ApproveStepUpdate(actor=Actor(id="alice", role="chair_team:SG"), step="annual_meeting")


@pytest.fixture
def codec_client(api_engine: Engine) -> Iterator[TestClient]:
    app = create_app(
        engine=api_engine, cycles=fake_cycles(api_engine, FakeGateway()), clock=lambda: NOW,
        status=FakeStatus(),
        codec=AesGcmCodec(KEYRING), codec_origins=[UI],
    )  # fmt: skip
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def plain_json(value: object) -> dict[str, Any]:
    """A payload in protobuf's JSON form, as the UI sends it."""
    return {"metadata": {"encoding": b64(b"json/plain")}, "data": b64(json.dumps(value).encode())}


def post(client: TestClient, path: str, body: object, token: str | None) -> Any:
    headers = bearer(token) if token else {}
    return client.post(path, json=body, headers=headers)


def test_encode_then_decode_round_trips_through_the_endpoint(
    codec_client: TestClient, tokens: dict[str, str]
) -> None:
    given = {"payloads": [plain_json({"step": "annual_meeting"}), plain_json("hello")]}

    encoded = post(codec_client, "/codec/encode", given, tokens["admin"])
    assert encoded.status_code == 200, encoded.text
    assert encoded.headers["content-type"] == "application/json"
    for payload in encoded.json()["payloads"]:
        assert base64.b64decode(payload["metadata"]["encoding"]) == b"binary/encrypted"
        assert base64.b64decode(payload["metadata"]["encryption-key-id"]) == b"k1"
        assert b"annual_meeting" not in base64.b64decode(payload["data"])

    decoded = post(codec_client, "/codec/decode", encoded.json(), tokens["admin"])
    assert decoded.status_code == 200, decoded.text
    assert decoded.json() == given


async def test_decode_reads_what_a_worker_stored(
    codec_client: TestClient, tokens: dict[str, str]
) -> None:
    (stored,) = await encrypted_converter(KEYRING).encode([UPDATE])
    metadata = {key: b64(value) for key, value in stored.metadata.items()}
    body = {"payloads": [{"metadata": metadata, "data": b64(stored.data)}]}

    decoded = post(codec_client, "/codec/decode", body, tokens["admin"])

    (payload,) = decoded.json()["payloads"]
    assert json.loads(base64.b64decode(payload["data"])) == UPDATE.model_dump(mode="json")


def test_decode_shows_an_undecodable_payload_as_the_reason(
    codec_client: TestClient, tokens: dict[str, str]
) -> None:
    forged = {"metadata": {"encoding": b64(b"binary/encrypted"),
                           "encryption-key-id": b64(b"gone")}, "data": b64(b"x" * 40)}  # fmt: skip

    decoded = post(codec_client, "/codec/decode", {"payloads": [forged]}, tokens["admin"])

    (payload,) = decoded.json()["payloads"]
    assert json.loads(base64.b64decode(payload["data"])) == {
        "undecodable_payload": "unknown key id 'gone'"
    }


@pytest.mark.parametrize("path", ["/codec/decode", "/codec/encode"])
def test_without_a_token_the_answer_is_401(codec_client: TestClient, path: str) -> None:
    response = post(codec_client, path, {"payloads": [plain_json("x")]}, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["shepherd:ID", "chair_team:SG", "asec", "nr:MY"])
@pytest.mark.parametrize("path", ["/codec/decode", "/codec/encode"])
def test_only_an_admin_may_use_the_codec(
    codec_client: TestClient, tokens: dict[str, str], role: str, path: str
) -> None:
    response = post(codec_client, path, {"payloads": [plain_json("x")]}, tokens[role])
    assert response.status_code == 403
    assert "may not use the payload codec" in response.json()["detail"]


def test_a_body_that_is_not_payloads_is_a_400(
    codec_client: TestClient, tokens: dict[str, str]
) -> None:
    response = post(codec_client, "/codec/decode", {"payload": []}, tokens["admin"])
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def preflight(client: TestClient, origin: str, path: str = "/codec/decode") -> Any:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
        },
    )


def test_the_ui_origin_passes_the_preflight_and_reads_the_answer(
    codec_client: TestClient, tokens: dict[str, str]
) -> None:
    allowed = preflight(codec_client, UI)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()

    response = codec_client.post(
        "/codec/decode", json={"payloads": []},
        headers={**bearer(tokens["admin"]), "Origin": UI, "X-Namespace": "default"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI


def test_other_origins_and_other_routes_get_no_cors(
    codec_client: TestClient, tokens: dict[str, str]
) -> None:
    stranger = preflight(codec_client, "https://evil.example")
    assert stranger.status_code == 400
    assert "access-control-allow-origin" not in stranger.headers

    api_route = codec_client.get(
        "/v1/cycles/2027", headers={**bearer(tokens["admin"]), "Origin": UI}
    )
    assert api_route.status_code == 200
    assert "access-control-allow-origin" not in api_route.headers


def test_without_a_codec_there_is_no_codec_route(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = post(client, "/codec/decode", {"payloads": []}, tokens["admin"])
    assert response.status_code == 404
