"""Signed checkpoints: `ascn ledger keygen` and `ascn ledger checkpoint`."""

from __future__ import annotations

import logging
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from ascn.cli import app as cli
from domain import merkle
from eventstore import ledger, migrate
from eventstore.store import EventStore
from ledgercheck.checkpoint import key_id, raw_public_key, signature_holds
from tests.store.factories import events
from tests.store.test_ledger_tree import logged_leaves

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def ascn(*args: str, env: dict[str, str] | None = None) -> Result:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        root.handlers[:], root.level = handlers, level
        structlog.reset_defaults()


def test_a_checkpoint_signs_the_tree_as_it_stands(engine: Engine) -> None:
    store = EventStore(engine)
    store.append("cycle-2018", events(5), expected_version=0)
    key = Ed25519PrivateKey.generate()

    first = ledger.record_checkpoint(engine, key, NOW)
    store.append("cycle-2018", events(3), expected_version=5)
    second = ledger.record_checkpoint(engine, key, NOW + timedelta(hours=1))

    assert (first.seq, first.checkpoint.tree_size) == (1, 5)
    assert (second.seq, second.checkpoint.tree_size) == (2, 8)
    leaves = logged_leaves(engine)
    assert first.checkpoint.root_hash == merkle.root(leaves[:5]).hex()
    assert second.checkpoint.root_hash == merkle.root(leaves).hex()
    with engine.connect() as conn:
        stored = ledger.checkpoints(conn)
        keys = ledger.signing_keys(conn)
    assert stored == [first, second]
    assert [(k.key_id, k.valid_until) for k in keys] == [(key_id(raw_public_key(key)), None)]
    for signed in stored:
        assert signature_holds(signed.checkpoint, signed.signature, keys[0].public_key)
    other = Ed25519PrivateKey.generate()
    assert not signature_holds(first.checkpoint, first.signature, raw_public_key(other))


def test_a_new_key_takes_over_and_the_old_one_keeps_its_period(engine: Engine) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    ledger.record_checkpoint(engine, old, NOW)
    later = NOW + timedelta(days=30)

    ledger.record_checkpoint(engine, new, later)

    with engine.connect() as conn:
        keys = ledger.signing_keys(conn)
    assert [(k.key_id, k.valid_from, k.valid_until) for k in keys] == [
        (key_id(raw_public_key(old)), NOW, later),
        (key_id(raw_public_key(new)), later, None),
    ]
    with pytest.raises(ValueError, match="was replaced"):
        ledger.record_checkpoint(engine, old, later + timedelta(days=1))


def test_keygen_writes_a_private_file_and_checkpoint_uses_it(
    empty_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_engine)
    EventStore(empty_engine).append("cycle-2018", events(4), expected_version=0)
    key_path = tmp_path / "ledger.pem"

    made = ascn("ledger", "keygen", "--out", str(key_path))

    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in made.output
    again = ascn("ledger", "keygen", "--out", str(key_path))
    assert "never overwritten" in str(again.exception)

    unset = ascn("ledger", "checkpoint", "--db", database_url)
    assert "ASCN_LEDGER_KEY_PATH" in str(unset.exception)

    signed = ascn(
        "ledger", "checkpoint", "--db", database_url, env={"ASCN_LEDGER_KEY_PATH": str(key_path)}
    )
    assert signed.exit_code == 0, signed.output
    assert "checkpoint 1: size 4" in signed.output
    assert "PRIVATE KEY" not in signed.output
    with empty_engine.connect() as conn:
        newest = ledger.checkpoint(conn)
    assert newest is not None
    assert newest.checkpoint.tree_size == 4
