"""`ascn verify --checkpoint`: the log against a signed checkpoint, the first difference named."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import ColumnElement, Connection, Engine, delete, select, update

from eventstore import ledger, migrate
from eventstore.hashing import canonical_json, event_hash
from eventstore.schema import events as events_table
from eventstore.schema import ledger_tiles
from eventstore.store import EventStore
from eventstore.verify import verify_checkpoint
from ledgercheck.checkpoint import document, key_id, raw_public_key
from tests.store.factories import events
from tests.store.test_ledger_checkpoints import ascn

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def seeded(engine: Engine) -> tuple[ledger.SignedCheckpoint, list[int]]:
    """12 events over three streams, interleaved; a checkpoint; 2 events after it."""
    store = EventStore(engine)
    store.append("cycle-2018", events(2), expected_version=0)  # leaves 0, 1
    store.append("nominations-MY", events(3), expected_version=0)  # 2, 3, 4
    store.append("cycle-2018", events(4), expected_version=2)  # 5..8
    store.append("nominations-SG", events(1), expected_version=0)  # 9
    store.append("cycle-2018", events(2), expected_version=6)  # 10, 11
    signed = ledger.record_checkpoint(engine, Ed25519PrivateKey.generate(), NOW)
    store.append("cycle-2018", events(2), expected_version=8)  # 12, 13
    with engine.connect() as conn:
        positions = conn.execute(
            select(events_table.c.position).order_by(events_table.c.position)
        ).scalars()
        return signed, [int(p) for p in positions]


def check(engine: Engine, signed: ledger.SignedCheckpoint) -> tuple[int | None, str]:
    report = verify_checkpoint(engine, signed.checkpoint.tree_size, signed.checkpoint.root_hash)
    assert report.ok is (report.first_difference is None and not report.message)
    return report.first_difference, report.message


def at(position: int) -> ColumnElement[bool]:
    return events_table.c.position == position


def delete_event(conn: Connection, positions: list[int]) -> None:
    conn.execute(delete(events_table).where(at(positions[6])))


def delete_stream(conn: Connection, positions: list[int]) -> None:
    conn.execute(delete(events_table).where(events_table.c.stream_id == "nominations-MY"))


def truncate_tail(conn: Connection, positions: list[int]) -> None:
    conn.execute(delete(events_table).where(events_table.c.position >= positions[9]))


def reorder(conn: Connection, positions: list[int]) -> None:
    first, second = positions[4], positions[7]
    conn.execute(update(events_table).where(at(first)).values(position=-1))
    conn.execute(update(events_table).where(at(second)).values(position=first))
    conn.execute(update(events_table).where(at(-1)).values(position=second))


def edit(conn: Connection, positions: list[int]) -> None:
    conn.execute(update(events_table).where(at(positions[10])).values(data={"n": 99}))


def edit_with_a_rewritten_hash(conn: Connection, positions: list[int]) -> None:
    """The newest event of a stream, re-hashed: its chain stays whole, the tree does not."""
    row = conn.execute(select(events_table).where(at(positions[9]))).one()

    rehashed = event_hash(
        prev_hash=row.prev_hash, stream_id=row.stream_id, version=row.version,
        event_id=row.event_id, type=row.type, schema_version=row.schema_version,
        occurred_at=row.occurred_at, actor="chair_team/mallory",
        data_json=canonical_json(row.data),
    )  # fmt: skip
    conn.execute(
        update(events_table)
        .where(at(positions[9]))
        .values(actor="chair_team/mallory", hash=rehashed)
    )


@pytest.mark.parametrize(
    ("tamper", "first", "says"),
    [
        (delete_event, 6, "the log's leaf 6 is now the event at position {7}"),
        (delete_stream, 2, "position {2}; the log's leaf 2 is now the event at position {5}"),
        (truncate_tail, 9, "from leaf 9 (position {9}) on, the tail is missing"),
        (reorder, 4, "the event at position {4} is not the one the checkpoint signed there"),
        (edit, 10, "the event at position {10} is not the one the checkpoint signed there"),
        (edit_with_a_rewritten_hash, 9, "position {9} is not the one"),
    ],
)
def test_tampering_below_the_checkpoint_is_found_at_its_first_leaf(
    engine: Engine, tamper: Callable[[Connection, list[int]], None], first: int, says: str
) -> None:
    signed, positions = seeded(engine)
    assert check(engine, signed) == (None, "")
    with engine.begin() as conn:
        tamper(conn, positions)
    ledger.extend(engine)  # the projector's extender goes on after the tampering

    index, message = check(engine, signed)

    assert index == first
    assert says.format(*positions) in message


def test_changes_after_the_checkpoint_are_not_its_business(engine: Engine) -> None:
    signed, positions = seeded(engine)
    with engine.begin() as conn:
        conn.execute(delete(events_table).where(at(positions[13])))
        conn.execute(update(events_table).where(at(positions[12])).values(data={"n": 7}))

    assert check(engine, signed) == (None, "")


def test_a_rewritten_tree_still_fails_but_cannot_name_the_leaf(engine: Engine) -> None:
    signed, positions = seeded(engine)
    with engine.begin() as conn:
        edit(conn, positions)
        first_tile = (ledger_tiles.c.level == 0) & (ledger_tiles.c.idx == 0)
        hashes = conn.execute(select(ledger_tiles.c.hashes).where(first_tile)).scalar_one()
        leaf_3_zeroed = hashes[: 3 * 32] + bytes(32) + hashes[4 * 32 :]
        conn.execute(update(ledger_tiles).where(first_tile).values(hashes=leaf_3_zeroed))

    index, message = check(engine, signed)

    assert index is None
    assert "cannot say which differs" in message


def test_ascn_verify_with_a_checkpoint_file(
    empty_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_engine)
    EventStore(empty_engine).append("cycle-2018", events(5), expected_version=0)
    key_path = tmp_path / "ledger.pem"
    assert ascn("ledger", "keygen", "--out", str(key_path)).exit_code == 0
    checkpoint_file = tmp_path / "checkpoint.json"
    made = ascn(
        "ledger", "checkpoint", "--db", database_url, "--out", str(checkpoint_file),
        env={"ASCN_LEDGER_KEY_PATH": str(key_path)},
    )  # fmt: skip
    assert made.exit_code == 0, made.output

    intact = ascn("verify", "--db", database_url, "--checkpoint", str(checkpoint_file))
    assert intact.exit_code == 0, intact.output
    assert "the first 5 events give the root" in intact.output

    with empty_engine.begin() as conn:
        conn.execute(delete(events_table).where(events_table.c.version == 5))
    cut = ascn("verify", "--db", database_url, "--checkpoint", str(checkpoint_file))
    assert cut.exit_code == 1
    assert "TAMPERED below the checkpoint" in cut.output
    assert "from leaf 4" in cut.output

    forged = json.loads(checkpoint_file.read_text())
    forged["checkpoint"]["tree_size"] = 4
    checkpoint_file.write_text(json.dumps(forged))
    refused = ascn("verify", "--db", database_url, "--checkpoint", str(checkpoint_file))
    assert "does not hold" in str(refused.exception)


def test_ascn_verify_refuses_a_checkpoint_no_trusted_key_signed(
    empty_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """Whoever can rewrite the store can sign a checkpoint of it with a key of their own:
    pinned to the secretariat's key, verify refuses that checkpoint before reading the log;
    unpinned, it says so."""
    migrate.upgrade(empty_engine)
    EventStore(empty_engine).append("cycle-2018", events(5), expected_version=0)
    secretariat = Ed25519PrivateKey.generate()
    ledger.record_checkpoint(empty_engine, secretariat, NOW)
    published = raw_public_key(secretariat)
    forger = Ed25519PrivateKey.generate()
    forged = ledger.record_checkpoint(empty_engine, forger, NOW.replace(hour=13))
    forged_file = tmp_path / "forged.json"
    forger_public = raw_public_key(forger)
    signed = document(forged.checkpoint, forged.seq, forged.signature, forger_public)
    forged_file.write_text(json.dumps(signed))

    unpinned = ascn("verify", "--db", database_url, "--checkpoint", str(forged_file))
    assert unpinned.exit_code == 0, unpinned.output
    assert "no --trusted-key was given" in unpinned.output

    for pin in (published.hex(), key_id(published)):
        pinned = ascn(
            "verify", "--db", database_url, "--checkpoint", str(forged_file), "--trusted-key", pin
        )  # fmt: skip
        assert pinned.exit_code == 1, pinned.output
        assert f"signed by key id {key_id(raw_public_key(forger))}" in pinned.output
        assert "not by a key you trust" in pinned.output

    own = ascn(
        "verify", "--db", database_url, "--checkpoint", str(forged_file),
        "--trusted-key", key_id(raw_public_key(forger)),
    )  # fmt: skip
    assert own.exit_code == 0, own.output
    assert "(a key you trust)" in " ".join(own.output.split())
    assert "no --trusted-key" not in own.output

    alone = ascn("verify", "--db", database_url, "--trusted-key", published.hex())
    assert "go with --checkpoint" in str(alone.exception) + alone.output


def test_ascn_verify_reads_both_checkpoints_of_a_consistency_proof(
    empty_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_engine)
    store = EventStore(empty_engine)
    key = Ed25519PrivateKey.generate()
    store.append("cycle-2018", events(3), expected_version=0)
    ledger.record_checkpoint(empty_engine, key, NOW)
    store.append("cycle-2018", events(4), expected_version=3)
    ledger.record_checkpoint(empty_engine, key, NOW.replace(hour=13))
    since = tmp_path / "since.json"
    made = ascn(
        "ledger", "prove", "--from", "1", "--to", "2", "--out", str(since), "--db", database_url
    )  # fmt: skip
    assert made.exit_code == 0, made.output

    intact = ascn("verify", "--db", database_url, "--checkpoint", str(since))

    assert intact.exit_code == 0, intact.output
    assert "the first 3 events give the root" in intact.output
    assert "the first 7 events give the root" in intact.output
    with empty_engine.begin() as conn:
        conn.execute(delete(events_table).where(events_table.c.version == 7))
    cut = ascn("verify", "--db", database_url, "--checkpoint", str(since))
    assert cut.exit_code == 1
    assert "TAMPERED below the checkpoint of 7 events" in cut.output
    assert "of 3 events" not in cut.output


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"\xff\xfe\x00binary", "is not a signed checkpoint or proof: not UTF-8 JSON"),
        (b'{"a": ' * 50_000, "is not a signed checkpoint or proof: its JSON is nested too deeply"),
        (b'{"older": {}, "format": "ascn-ledger-consistency/v1"}', "the older checkpoint"),
        (b'{"format": "ascn-ledger-checkpoint/v1"}', "the checkpoint, its signature"),
    ],
)
def test_ascn_verify_names_what_is_wrong_with_a_checkpoint_file(
    tmp_path: Path, content: bytes, complaint: str
) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_bytes(content)
    unopened = f"sqlite:///{tmp_path / 'unopened.db'}"  # the file is refused first

    refused = ascn("verify", "--db", unopened, "--checkpoint", str(path))

    assert refused.exit_code == 1
    assert str(refused.exception).startswith(f"{path} "), refused.exception
    assert complaint in str(refused.exception)
    assert not (tmp_path / "unopened.db").exists()
