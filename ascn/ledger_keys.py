"""The Ed25519 key that signs ledger checkpoints, as a file (ASCN_LEDGER_KEY_PATH).

Written once, readable by its owner only (0600), never overwritten, never printed or
logged: only its key id (the SHA-256 of the public key) is ever shown.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ascn.errors import UsageError
from ascn.settings import Settings
from ledgercheck.checkpoint import key_id, load_private_key, private_key_pem, raw_public_key


def write_new_key(path: Path) -> str:
    """Write a new key to ``path`` (which must not exist); returns its key id."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} already exists; a signing key is never overwritten") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_pem(key))
    path.chmod(0o600)
    return key_id(raw_public_key(key))


def read_key(path: Path) -> Ed25519PrivateKey:
    try:
        return load_private_key(path.read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read the ledger key {path}: {error.strerror}") from None
    except ValueError:
        raise UsageError(f"{path} is not an Ed25519 private key in PEM") from None


def configured_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The key ASCN_LEDGER_KEY_PATH names; None when it names none."""
    return read_key(Path(settings.ledger_key_path)) if settings.ledger_key_path else None


def key_or_new(path: Path) -> Ed25519PrivateKey:
    """The key at ``path``, written first if there is none (the embedded setups)."""
    if not path.exists():
        write_new_key(path)
    return read_key(path)
