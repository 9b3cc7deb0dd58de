"""Consistency proofs between two signed checkpoints, checked with no database; and the
worker's checkpoint activity."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, update
from temporalio.testing import ActivityEnvironment

from activities.ledger import CheckpointRequest, LedgerActivities
from domain import merkle
from eventstore import ledger, migrate
from eventstore.schema import ledger_tiles
from eventstore.store import EventStore
from ledgercheck import consistency
from ledgercheck.checkpoint import Checkpoint, document, key_id, raw_public_key, sign
from tests.store.factories import events
from tests.store.test_ledger_checkpoints import ascn
from tests.store.test_merkle import flip

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()
PINNED = frozenset({raw_public_key(KEY).hex()})


def signed(size: int, root: bytes, at: datetime) -> dict[str, Any]:
    public = raw_public_key(KEY)
    made = Checkpoint(size, root.hex(), at, key_id(public))
    return document(made, 1, sign(made, KEY), public)


def flip_hex(value: str, bit: int) -> str:
    return flip(bytes.fromhex(value), bit).hex()


@settings(max_examples=100, deadline=None)
@given(
    leaves=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=60),
    data=st.data(),
)
def test_any_two_checkpoints_prove_consistent_and_any_flipped_bit_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(1, new))
    path = merkle.consistency_path(old, new, merkle.subtrees_of(leaves))
    sound = consistency.proof_document(
        signed(old, merkle.root(leaves[:old]), NOW),
        signed(new, merkle.root(leaves[:new]), NOW + timedelta(hours=1)),
        path,
    )
    verdict = consistency.check(sound, trusted_keys=PINNED)
    assert verdict.verified, verdict.problems

    bit = data.draw(st.integers(0, 511))
    which = data.draw(st.sampled_from(["older", "newer"]))
    part = data.draw(st.sampled_from(["signature", "root", "path"]))
    tampered = json.loads(json.dumps(sound))
    if part == "signature":
        tampered[which]["signature"] = flip_hex(tampered[which]["signature"], bit)
    elif part == "root":
        tampered[which]["checkpoint"]["root_hash"] = flip_hex(
            tampered[which]["checkpoint"]["root_hash"], bit % 256
        )
    elif path:
        at = data.draw(st.integers(0, len(path) - 1))
        tampered["consistency_path"][at] = flip_hex(tampered["consistency_path"][at], bit % 256)
    else:  # equal sizes prove with an empty path: a changed root is the change left
        tampered["newer"]["checkpoint"]["root_hash"] = flip_hex(
            tampered["newer"]["checkpoint"]["root_hash"], bit % 256
        )

    assert not consistency.check(tampered, trusted_keys=PINNED).ok
    assert not consistency.check(tampered, trusted_keys=None).ok


def test_a_rewritten_history_between_checkpoints_fails_the_check() -> None:
    leaves = [bytes([i]) * 32 for i in range(9)]
    rewritten = [*leaves[:3], bytes([99]) * 32, *leaves[4:]]
    older = signed(5, merkle.root(leaves[:5]), NOW)
    newer = signed(9, merkle.root(rewritten), NOW + timedelta(hours=1))
    path = merkle.consistency_path(5, 9, merkle.subtrees_of(rewritten))

    verdict = consistency.check(consistency.proof_document(older, newer, path), trusted_keys=PINNED)

    assert not verdict.ok
    assert "not only appended to" in verdict.problems[0]


def two_checkpoints(engine: Engine) -> tuple[int, int]:
    store = EventStore(engine)
    store.append("cycle-2018", events(5), expected_version=0)
    first = ledger.record_checkpoint(engine, KEY, NOW)
    store.append("cycle-2018", events(8), expected_version=5)
    store.append("nominations-MY", events(2), expected_version=0)
    second = ledger.record_checkpoint(engine, KEY, NOW + timedelta(hours=1))
    return first.seq, second.seq


def test_the_store_proves_its_checkpoints_consistent(engine: Engine) -> None:
    older, newer = two_checkpoints(engine)

    proved = ledger.prove_consistency(engine, older, newer)

    verdict = consistency.check(proved, trusted_keys=PINNED)
    assert verdict.verified, verdict.problems
    assert proved["older"]["checkpoint"]["tree_size"] == 5
    assert proved["newer"]["checkpoint"]["tree_size"] == 15
    with pytest.raises(ledger.CannotProve, match="give the older one first"):
        ledger.prove_consistency(engine, newer, older)
    with pytest.raises(ledger.CannotProve, match="no checkpoint 9"):
        ledger.prove_consistency(engine, older, 9)


def test_a_rewritten_tree_yields_no_consistency_proof(engine: Engine) -> None:
    older, newer = two_checkpoints(engine)
    with engine.begin() as conn:
        first_tile = (ledger_tiles.c.level == 0) & (ledger_tiles.c.idx == 0)
        hashes = conn.execute(select(ledger_tiles.c.hashes).where(first_tile)).scalar_one()
        conn.execute(update(ledger_tiles).where(first_tile).values(hashes=bytes(32) + hashes[32:]))

    with pytest.raises(ledger.ProofDoesNotHold, match="does not hold, so none was made") as made:
        ledger.prove_consistency(engine, older, newer)
    assert "the consistency path does not lead from the tree of 5 events" in str(made.value)


def test_prove_and_check_a_consistency_proof_from_the_command_line(
    empty_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_engine)
    older, newer = two_checkpoints(empty_engine)
    out = tmp_path / "consistency.json"

    made = ascn("ledger", "prove", "--from", str(older), "--to", str(newer), "--out", str(out),
                "--db", database_url)  # fmt: skip
    assert made.exit_code == 0, made.output
    # The check runs in a process of its own that has no database and imports no store.
    checker = (
        "import json, sys; from ledgercheck import consistency; "
        "v = consistency.check(json.load(open(sys.argv[1])), trusted_keys=None); "
        "assert not [m for m in sys.modules if m.split('.')[0] in "
        "('eventstore', 'sqlalchemy', 'psycopg')], 'store imported'; "
        "print(v.ok, v.problems)"
    )
    standalone = subprocess.run(
        [sys.executable, "-c", checker, str(out)],
        capture_output=True, text=True, check=False, env={"PATH": ""},
    )  # fmt: skip
    assert standalone.stdout.strip() == "True []", standalone.stderr
    unpinned = ascn("ledger", "check", str(out))
    assert unpinned.exit_code == 3, unpinned.output
    assert "the first 5 events" in unpinned.output
    assert "NOT VERIFIED" in unpinned.output
    checked = ascn("ledger", "check", str(out), "--trusted-key", key_id(raw_public_key(KEY)))
    assert checked.exit_code == 0, checked.output
    assert "verified: signed by trusted key id" in checked.output

    tampered = json.loads(out.read_text())
    tampered["newer"]["signature"] = flip_hex(tampered["newer"]["signature"], 3)
    out.write_text(json.dumps(tampered))
    refused = ascn("ledger", "check", str(out), "--trusted-key", raw_public_key(KEY).hex())
    assert refused.exit_code == 1
    assert "newer checkpoint's signature does not hold" in refused.output
    wrong = ascn("ledger", "prove", "--from", str(older), "--out", str(out), "--db", database_url)
    assert wrong.exit_code == 1
    assert "both --from and --to" in str(wrong.exception)


def test_the_workers_checkpoint_covers_the_fact_just_recorded_and_is_made_once(
    engine: Engine,
) -> None:
    store = EventStore(engine)
    store.append("cycle-2018", events(7), expected_version=0)  # not in the tree yet
    activities = LedgerActivities(store, KEY, clock=lambda: NOW)
    request = CheckpointRequest(idempotency_key="ascn-cycle-2018/scgw/completed")

    first = ActivityEnvironment().run(activities.make_checkpoint, request)
    store.append("cycle-2018", events(2), expected_version=7)
    again = ActivityEnvironment().run(activities.make_checkpoint, request)

    assert first.signed
    assert first.tree_size == 7
    assert again == first  # a retried activity gets the same checkpoint back
    with engine.connect() as conn:
        assert len(ledger.checkpoints(conn)) == 1
    other = CheckpointRequest(idempotency_key="ascn-cycle-2018/acc/completed")
    assert ActivityEnvironment().run(activities.make_checkpoint, other).tree_size == 9


def test_a_worker_without_a_key_makes_no_checkpoint(engine: Engine) -> None:
    store = EventStore(engine)
    store.append("cycle-2018", events(2), expected_version=0)
    request = CheckpointRequest(idempotency_key="ascn-cycle-2018/scgw/completed")

    made = ActivityEnvironment().run(LedgerActivities(store, None).make_checkpoint, request)

    assert not made.signed
    with engine.connect() as conn:
        assert ledger.checkpoints(conn) == []
