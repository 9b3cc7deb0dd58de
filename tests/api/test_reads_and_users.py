"""Reads (events, verify, nominations) over a real store, and managing users."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from activities.nominations import NominationActivities, SubmitNominationsRequest
from ascn.projections import catch_up_all
from domain.reference import ReferenceData
from eventstore import ledger
from eventstore.schema import events
from eventstore.store import EventStore
from ledgercheck.checkpoint import Checkpoint, raw_public_key, signature_holds
from tests.api.conftest import USERS, bearer
from tests.unit.builders import submit


@pytest.fixture(scope="module", autouse=True)
def nominated(api_engine: Engine) -> None:
    """SG and MY nominated for 2018 (four events: none are refused)."""
    recorder = NominationActivities(EventStore(api_engine), ReferenceData.load())
    for key, command in [
        ("sg", submit("SG", ["Singapore"])),
        ("my", submit("MY", ["Kuala Lumpur", "Kuching"])),
    ]:
        recorder.submit_nominations(SubmitNominationsRequest(idempotency_key=key, command=command))
    catch_up_all(api_engine)  # the projector's part: reads never catch up


def test_events_page_by_position(client: TestClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["shepherd:ID"])
    first = client.get("/v1/events", params={"limit": 1}, headers=headers).json()
    rest = client.get("/v1/events", params={"after": first["next_after"]}, headers=headers).json()
    end = client.get("/v1/events", params={"after": rest["next_after"]}, headers=headers).json()

    assert len(first["events"]) == 1
    assert first["next_after"] == first["events"][0]["position"]
    assert [e["type"] for e in first["events"] + rest["events"][:1]] == [
        "NominationsSubmitted",
        "NominationsSubmitted",
    ]
    assert rest["events"][0]["actor"] == "nr:MY/nr-1"
    # Then adding the users the tests act as, and their tokens.
    assert {e["stream_id"] for e in rest["events"][1:]} == {"users"}
    assert end == {"events": [], "next_after": rest["next_after"]}


def test_verify_reports_the_first_broken_link(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    headers = bearer(tokens["admin"])
    # Two nominations, and a UserAdded and a TokenIssued for each user of USERS.
    assert client.post("/v1/verify", headers=headers).json() == {
        "ok": True, "events_checked": 2 + 2 * len(USERS), "streams_checked": 3, "broken": None,
    }  # fmt: skip

    with api_engine.begin() as conn:
        conn.execute(update(events).where(events.c.position == 1).values(actor="nr:SG/mallory"))
    try:
        report = client.post("/v1/verify", headers=headers).json()
    finally:
        with api_engine.begin() as conn:
            conn.execute(update(events).where(events.c.position == 1).values(actor="nr:SG/nr-1"))

    assert report["ok"] is False
    assert report["broken"]["position"] == 1
    assert "does not match its hash" in report["broken"]["reason"]


def test_ledger_checkpoints_come_with_their_keys(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    key = Ed25519PrivateKey.generate()
    signed = ledger.record_checkpoint(api_engine, key, datetime(2026, 11, 28, 12, tzinfo=UTC))

    listed = client.get("/v1/ledger/checkpoints", headers=bearer(tokens["asec"])).json()

    newest = listed["checkpoints"][-1]
    assert newest["seq"] == signed.seq
    assert newest["tree_size"] == signed.checkpoint.tree_size > 0
    assert newest["signature"] == signed.signature.hex()
    served = {k["key_id"]: k for k in listed["keys"]}[signed.checkpoint.key_id]
    assert served["valid_until"] is None
    made = Checkpoint(
        newest["tree_size"],
        newest["root_hash"],
        datetime.fromisoformat(newest["signed_at"]),
        newest["key_id"],
    )
    assert signature_holds(
        made, bytes.fromhex(newest["signature"]), bytes.fromhex(served["public_key"])
    )
    assert served["public_key"] == raw_public_key(key).hex()


@pytest.mark.parametrize(
    ("role", "member_states"),
    [
        ("chair_team:SG", {"MY", "SG"}),
        ("admin", {"MY", "SG"}),
        ("nr:SG", {"SG"}),
        ("nr:MY", {"MY"}),
    ],
)
def test_an_nr_sees_only_their_own_nominations(
    client: TestClient, tokens: dict[str, str], role: str, member_states: set[str]
) -> None:
    response = client.get("/v1/cycles/2018/nominations", headers=bearer(tokens[role]))

    assert response.status_code == 200
    assert {row["member_state"] for row in response.json()} == member_states


def test_an_admin_adds_a_user_and_gives_them_a_token(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])

    created = client.post("/v1/users", json={"name": "nr-th", "role": "nr:TH"}, headers=admin)
    issued = client.post("/v1/users/nr-th/tokens", headers=admin)

    assert created.status_code == 201
    assert created.json()["role"] == "nr:TH"
    assert issued.status_code == 201
    assert issued.headers["cache-control"] == "no-store"
    token = issued.json()["token"]
    own = client.get("/v1/cycles/2018/nominations", headers=bearer(token))
    assert own.status_code == 200
    assert own.json() == []  # Thailand nominated nothing here


def test_user_problems(client: TestClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])

    taken = client.post("/v1/users", json={"name": "root", "role": "admin"}, headers=admin)
    nobody = client.post("/v1/users/nobody/tokens", headers=admin)
    engine = client.post("/v1/users", json={"name": "bot", "role": "system"}, headers=admin)

    assert taken.status_code == 409
    assert "'root' already exists" in taken.json()["detail"]
    assert nobody.status_code == 404
    assert engine.status_code == 422
    assert engine.json()["errors"][0]["field"] == "role"
