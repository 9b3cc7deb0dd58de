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
from ascn.ledger_keys import read_key
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
    empty_engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no default key (.ascn/ledger.key) where it runs
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
    assert "ASCN_LEDGER_KEY_PATH is unset and there is no key at" in str(unset.exception)

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


def test_checkpoint_finds_the_key_ascn_up_and_the_demo_keep_when_the_setting_is_unset(
    empty_engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASCN_LEDGER_KEY_PATH", raising=False)
    migrate.upgrade(empty_engine)
    EventStore(empty_engine).append("cycle-2018", events(3), expected_version=0)

    missing = ascn("ledger", "checkpoint", "--db", database_url)
    assert missing.exit_code == 1
    assert str(missing.exception).startswith(
        "no signing key: ASCN_LEDGER_KEY_PATH is unset and there is no key at "
        f"{tmp_path / '.ascn' / 'ledger.key'}, the default"
    )
    assert "ascn ledger keygen --out .ascn/ledger.key" in str(missing.exception)

    # keygen makes the default folder (and only that one) when it is not there yet.
    made = ascn("ledger", "keygen", "--out", ".ascn/ledger.key")
    assert made.exit_code == 0, made.output
    signed = ascn("ledger", "checkpoint", "--db", database_url)

    assert signed.exit_code == 0, signed.output
    assert "checkpoint 1: size 3" in signed.output
    key = read_key(tmp_path / ".ascn" / "ledger.key")
    with empty_engine.connect() as conn:
        newest = ledger.checkpoint(conn)
    assert newest is not None
    assert newest.checkpoint.key_id == key_id(raw_public_key(key))
    assert made.output.strip().endswith(newest.checkpoint.key_id)


def test_keygen_makes_no_folder_a_typo_names(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"

    refused = ascn("ledger", "keygen", "--out", str(missing / "k"))

    assert refused.exit_code == 1
    assert str(refused.exception).startswith(
        f"cannot write {missing / 'k'}: the folder {missing} does not exist"
    )
    assert not missing.exists()
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    not_a_folder = ascn("ledger", "keygen", "--out", str(a_file / "k"))
    assert f"{a_file} is not a folder" in str(not_a_folder.exception)


def test_checkpoint_out_names_a_missing_folder_before_signing(
    empty_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_engine)
    key_path = tmp_path / "ledger.pem"
    assert ascn("ledger", "keygen", "--out", str(key_path)).exit_code == 0
    out = tmp_path / "missing" / "checkpoint.json"

    refused = ascn(
        "ledger", "checkpoint", "--db", database_url, "--out", str(out),
        env={"ASCN_LEDGER_KEY_PATH": str(key_path)},
    )  # fmt: skip

    assert refused.exit_code == 1
    assert str(refused.exception) == (f"cannot write {out}: the folder {out.parent} does not exist")
    with empty_engine.connect() as conn:
        assert ledger.checkpoint(conn) is None  # nothing signed, nothing recorded
