"""`ascn ledger prove` writes a proof; `ascn ledger check` checks it with no database."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, update

from eventstore import ledger, migrate
from eventstore.schema import events as events_table
from eventstore.store import EventStore
from ledgercheck import proof
from ledgercheck.checkpoint import raw_public_key
from tests.store.factories import events, new_event
from tests.store.test_ledger_checkpoints import ascn

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def a_proof(engine: Engine) -> tuple[dict[str, Any], Ed25519PrivateKey]:
    store = EventStore(engine)
    store.append("cycle-2018", events(6), expected_version=0)
    fact = new_event("NominationsSubmitted", {"member_state": "MY", "cities": ["Kuching"]})
    store.append("nominations-MY", [fact], expected_version=0)
    store.append("cycle-2018", events(4), expected_version=6)
    key = Ed25519PrivateKey.generate()
    ledger.record_checkpoint(engine, key, NOW)
    return ledger.prove(engine, fact.event_id), key


def test_a_proof_checks_out_and_names_what_it_checked(engine: Engine) -> None:
    document, key = a_proof(engine)

    verdict = proof.check(document, trusted_keys={raw_public_key(key).hex()})

    assert verdict.verified, verdict.problems
    assert document["leaf_index"] == 6
    assert document["checkpoint"]["tree_size"] == 11
    assert len(verdict.facts) == 3


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["event"]["data"].update(cities=["Kota Kinabalu"]),
        lambda d: d.update(event_hash="0" * 64),
        lambda d: d.update(leaf_index=5),
        lambda d: d["audit_path"].pop(),
        lambda d: d["audit_path"].__setitem__(0, "00" * 32),
        lambda d: d["checkpoint"].update(tree_size=12),
        lambda d: d["checkpoint"].update(root_hash="11" * 32),
        lambda d: d["checkpoint"].update(signed_at="2026-11-29T12:00:00+00:00"),
        lambda d: d.update(signature="00" * 64),
        lambda d: d.update(public_key=raw_public_key(Ed25519PrivateKey.generate()).hex()),
        lambda d: d.update(key_valid_from="2027-01-01T00:00:00+00:00"),
        lambda d: d.update(format="something else"),
        lambda d: d.pop("audit_path"),
        lambda d: d.pop("event"),
    ],
)
def test_any_change_to_a_proof_fails_it(engine: Engine, tamper: Any) -> None:
    document, key = a_proof(engine)
    tamper(document)

    assert not proof.check(document, trusted_keys=None).ok
    assert not proof.check(document, trusted_keys={raw_public_key(key).hex()}).ok


def test_an_untrusted_key_fails_even_a_sound_proof(engine: Engine) -> None:
    document, _ = a_proof(engine)
    someone = raw_public_key(Ed25519PrivateKey.generate()).hex()

    verdict = proof.check(document, trusted_keys={someone})

    assert verdict.problems == [verdict.problems[0]]
    assert "not among the trusted keys" in verdict.problems[0]
    assert not verdict.verified


def test_an_event_after_the_checkpoint_cannot_be_proved_under_it(engine: Engine) -> None:
    a_proof(engine)
    late = new_event()
    EventStore(engine).append("late", [late], expected_version=0)

    with pytest.raises(ledger.CannotProve, match="not in the tree yet"):
        ledger.prove(engine, late.event_id)
    ledger.extend(engine)  # in the tree now, but after the checkpoint
    with pytest.raises(ledger.CannotProve, match="after checkpoint 1"):
        ledger.prove(engine, late.event_id)


def test_prove_and_check_from_the_command_line(
    empty_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_engine)
    store = EventStore(empty_engine)
    fact = new_event("NominationsSubmitted", {"member_state": "TH"})
    store.append("nominations-TH", [fact], expected_version=0)
    store.append("cycle-2018", events(2), expected_version=0)
    key_path = tmp_path / "ledger.pem"
    assert ascn("ledger", "keygen", "--out", str(key_path)).exit_code == 0
    env = {"ASCN_LEDGER_KEY_PATH": str(key_path)}
    assert ascn("ledger", "checkpoint", "--db", database_url, env=env).exit_code == 0
    proof_file = tmp_path / "proof.json"

    made = ascn(
        "ledger", "prove", "--event-id", str(fact.event_id), "--checkpoint", "1",
        "--out", str(proof_file), "--db", database_url,
    )  # fmt: skip

    assert made.exit_code == 0, made.output
    # The check runs in a process of its own that has no database and imports no store.
    checker = (
        "import json, sys; from ledgercheck import proof; "
        "v = proof.check(json.load(open(sys.argv[1])), trusted_keys=None); "
        "assert not [m for m in sys.modules if m.split('.')[0] in "
        "('eventstore', 'sqlalchemy', 'psycopg')], 'store imported'; "
        "print(v.ok, v.problems)"
    )
    standalone = subprocess.run(
        [sys.executable, "-c", checker, str(proof_file)],
        capture_output=True, text=True, check=False, env={"PATH": ""},
    )  # fmt: skip
    assert standalone.stdout.strip() == "True []", standalone.stderr
    unpinned = ascn("ledger", "check", str(proof_file))
    assert unpinned.exit_code == 3, unpinned.output
    assert "ok: leaf 0 of 3" in unpinned.output
    assert "NOT VERIFIED" in unpinned.output
    listed = ascn("ledger", "keys", "--db", database_url)
    # `ascn ledger keys` prints "key <key id>  public <public key>": either is a trusted key.
    words = listed.output.split()
    for printed in (words[1], words[3]):
        checked = ascn("ledger", "check", str(proof_file), "--trusted-key", printed)
        assert checked.exit_code == 0, checked.output
        assert f"verified: signed by trusted key id {words[1]}" in checked.output

    document = json.loads(proof_file.read_text())
    document["event"]["data"]["member_state"] = "MY"
    proof_file.write_text(json.dumps(document))
    refused = ascn("ledger", "check", str(proof_file), "--trusted-key", words[1])
    assert refused.exit_code == 1
    assert "does not hash" in refused.output
    assert ascn("ledger", "check", str(proof_file)).exit_code == 1


def test_prove_refuses_to_write_a_proof_a_tampered_store_cannot_back(
    empty_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_engine)
    store = EventStore(empty_engine)
    fact = new_event("NominationsSubmitted", {"member_state": "TH", "cities": ["Phuket"]})
    store.append("nominations-TH", [fact], expected_version=0)
    store.append("cycle-2018", events(2), expected_version=0)
    ledger.record_checkpoint(empty_engine, Ed25519PrivateKey.generate(), NOW)
    with empty_engine.begin() as conn:
        conn.execute(
            update(events_table)
            .where(events_table.c.event_id == fact.event_id)
            .values(data={"member_state": "TH", "cities": ["Pattaya"]})
        )
    proofs = tmp_path / "proofs"
    proofs.mkdir()
    out = proofs / "proof.json"

    refused = ascn(
        "ledger", "prove", "--event-id", str(fact.event_id), "--out", str(out),
        "--db", database_url,
    )  # fmt: skip

    assert refused.exit_code == 1
    message = str(refused.exception)
    assert "does not hold, so none was made" in message
    assert "the event as stated does not hash to the proof's event hash" in message
    assert list(proofs.iterdir()) == []  # no proof, and no temporary file either


def test_prove_names_a_missing_folder_before_doing_anything(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    document, _ = a_proof(engine)
    missing = tmp_path / "missing" / "dir"

    refused = ascn(
        "ledger", "prove", "--event-id", document["event"]["event_id"],
        "--out", str(missing / "x.json"), "--db", database_url,
    )  # fmt: skip

    assert refused.exit_code == 1
    assert str(refused.exception) == (
        f"cannot write {missing / 'x.json'}: the folder {missing} does not exist"
    )
    assert not (tmp_path / "missing").exists()
