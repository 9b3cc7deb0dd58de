"""`ascn ledger check` and the ledgercheck package, with no database: a proof that holds
together is not verified until a trusted key pins it; what is not a proof is named."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain import merkle
from ledgercheck import proof
from ledgercheck.checkpoint import (
    Checkpoint,
    document,
    is_trusted,
    key_id,
    raw_public_key,
    sign,
    trusted_key,
)
from ledgercheck.files import MAX_BYTES, NotADocument, read_document
from tests.store.test_ledger_checkpoints import ascn

AT = datetime(2027, 3, 1, 9, tzinfo=UTC)


def forged_proof(key: Ed25519PrivateKey) -> dict[str, Any]:
    """What anyone can make with no store at all: an event of their choosing, the tree
    of that one event, a checkpoint of it signed with their own key."""
    event = {
        "position": 1,
        "event_id": str(UUID(int=7)),
        "stream_id": "nominations-MY-2027",
        "version": 1,
        "type": "NominationsSubmitted",
        "schema_version": 1,
        "occurred_at": AT.isoformat(),
        "recorded_at": AT.isoformat(),
        "actor": "nr:MY/forger",
        "data": {"member_state": "MY", "cities": ["Atlantis"]},
        "prev_hash": "0" * 64,
    }
    digest = proof.recomputed_hash(event)
    public = raw_public_key(key)
    made = Checkpoint(1, merkle.event_leaf(digest).hex(), AT, key_id(public))
    signed = document(made, 1, sign(made, key), public)
    return {
        **signed,
        "format": proof.FORMAT,
        "event": event,
        "event_hash": digest,
        "leaf_index": 0,
        "audit_path": [],
    }


FORGER = Ed25519PrivateKey.generate()
SECRETARIAT = Ed25519PrivateKey.generate()


def written(tmp_path: Path, content: dict[str, Any] | bytes, name: str = "proof.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(json.dumps(content))
    return path


def run_ascn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ascn", *args], capture_output=True, text=True, check=False
    )


def test_a_forged_proof_never_exits_0_without_a_trusted_key(tmp_path: Path) -> None:
    path = written(tmp_path, forged_proof(FORGER))

    # In a process of its own, as a script testing $? would run it.
    unpinned = run_ascn("ledger", "check", str(path))

    assert unpinned.returncode == 3, unpinned.stderr
    assert "NOT VERIFIED: the proof is internally consistent but its key is not trusted" in (
        unpinned.stderr
    )
    assert key_id(raw_public_key(FORGER)) in unpinned.stderr
    assert "Traceback" not in unpinned.stderr
    genuine = raw_public_key(SECRETARIAT)
    for pin in (genuine.hex(), key_id(genuine)):
        pinned = ascn("ledger", "check", str(path), "--trusted-key", pin)
        assert pinned.exit_code == 1, pinned.output
        assert "not among the trusted keys" in pinned.output
        assert "verified" not in pinned.output


def test_a_pinned_key_verifies_by_public_key_or_by_key_id(tmp_path: Path) -> None:
    path = written(tmp_path, forged_proof(SECRETARIAT))
    public = raw_public_key(SECRETARIAT)
    keys_file = tmp_path / "published-keys.txt"
    keys_file.write_text(f"# ASEC's ledger keys\n\n{key_id(public).upper()}\n")

    for pin in (
        ["--trusted-key", public.hex()],
        ["--trusted-key", key_id(public)],
        ["--trusted-key", f"  {public.hex().upper()} "],
        ["--trusted-keys", str(keys_file)],
    ):
        checked = ascn("ledger", "check", str(path), *pin)
        assert checked.exit_code == 0, (pin, checked.output)
        assert f"verified: signed by trusted key id {key_id(public)}" in checked.output


@pytest.mark.parametrize(
    ("pin", "complaint"),
    [
        (["--trusted-key", "a84f"], "--trusted-key 'a84f': 'a84f' is not a key"),
        (["--trusted-key", "zz" * 32], "is not a key: give the public key or the key id"),
        (["--trusted-keys", "/nonexistent/keys.txt"], "cannot read /nonexistent/keys.txt"),
    ],
)
def test_a_trusted_key_that_is_no_key_is_refused(
    tmp_path: Path, pin: list[str], complaint: str
) -> None:
    path = written(tmp_path, forged_proof(SECRETARIAT))

    refused = ascn("ledger", "check", str(path), *pin)

    assert refused.exit_code == 1
    assert complaint in str(refused.exception)


def test_an_empty_trusted_keys_file_is_refused(tmp_path: Path) -> None:
    path = written(tmp_path, forged_proof(SECRETARIAT))
    empty = tmp_path / "keys.txt"
    empty.write_text("# nothing yet\n")

    refused = ascn("ledger", "check", str(path), "--trusted-keys", str(empty))

    assert refused.exit_code == 1
    assert "lists no key" in str(refused.exception)


def test_a_proof_without_its_event_fails_even_under_a_trusted_key(tmp_path: Path) -> None:
    stripped = forged_proof(SECRETARIAT)
    del stripped["event"]
    path = written(tmp_path, stripped)

    checked = ascn("ledger", "check", str(path), "--trusted-key", raw_public_key(SECRETARIAT).hex())

    assert checked.exit_code == 1
    assert "FAILED: the proof holds no event" in checked.output
    verdict = proof.check(stripped, trusted_keys={key_id(raw_public_key(SECRETARIAT))})
    assert not verdict.ok
    assert not verdict.verified


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "is not a proof: not UTF-8 JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "is not a proof: its JSON is nested too deeply"),
        (b'{"format": ', "is not a proof: not JSON"),
        (b"[1, 2]", "is not a proof: a JSON object is expected"),
    ],
)
def test_what_is_not_a_proof_is_named(tmp_path: Path, content: bytes, complaint: str) -> None:
    path = written(tmp_path, content)

    checked = ascn("ledger", "check", str(path))

    assert checked.exit_code == 1
    assert str(checked.exception).startswith(f"{path} {complaint}"), checked.exception


def test_a_binary_proof_gets_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = written(tmp_path, b"\x00\xff" * 64)

    checked = run_ascn("ledger", "check", str(path))

    assert checked.returncode == 1
    assert checked.stderr == f"error: {path} is not a proof: not UTF-8 JSON\n"


def test_read_document_refuses_what_is_too_large_or_missing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(NotADocument, match="larger than 16 MiB"):
        read_document(huge)
    with pytest.raises(NotADocument, match=r"cannot read .*missing\.json"):
        read_document(tmp_path / "missing.json")
    with pytest.raises(NotADocument, match="cannot read"):
        read_document(tmp_path)  # a folder


def test_deeply_nested_event_data_fails_the_check_instead_of_crashing() -> None:
    forged = forged_proof(SECRETARIAT)
    nested: Any = 1
    for _ in range(5000):
        nested = [nested]
    forged["event"]["data"] = nested

    verdict = proof.check(forged, trusted_keys=None)

    assert not verdict.ok
    assert "nested too deeply" in verdict.problems[0]


def test_trusted_keys_are_normalised_and_either_form_pins_the_key() -> None:
    public = raw_public_key(SECRETARIAT)
    other = raw_public_key(FORGER)

    assert trusted_key(f" {public.hex().upper()}\n") == public.hex()
    assert is_trusted(public, {trusted_key(public.hex())})
    assert is_trusted(public, {trusted_key(key_id(public))})
    assert not is_trusted(other, {public.hex(), key_id(public)})
    # A key id is not mistaken for a public key, nor the other way round.
    assert not is_trusted(bytes.fromhex(key_id(public)), {public.hex()})
    with pytest.raises(ValueError, match="not a key"):
        trusted_key(key_id(public)[:16])


def test_unpinned_verdicts_hold_together_but_are_never_verified() -> None:
    made = forged_proof(FORGER)

    unpinned = proof.check(made, trusted_keys=None)
    pinned = proof.check(made, trusted_keys={raw_public_key(FORGER).hex()})

    assert unpinned.ok
    assert not unpinned.verified
    assert pinned.ok
    assert pinned.verified
    assert unpinned.signers == [raw_public_key(FORGER)]
