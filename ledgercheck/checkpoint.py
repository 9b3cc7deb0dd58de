"""Signed checkpoints: a tree size and root, when, and by which Ed25519 key.

The signed text is fixed, line by line, so any Ed25519 implementation can check it::

    ascn-ledger-checkpoint/v1
    size <tree size>
    root <root hash, hex>
    time <UTC, ISO 8601 with microseconds>
    key <key id>

A key id is the hex SHA-256 of the raw 32-byte public key. Either pins a key: a
trusted key may be given as the public key or as its key id (64 hex digits each), since
no one can make a key whose public key, or whose id, equals another key's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "ascn-ledger-checkpoint/v1"

_HEX_32_BYTES = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    tree_size: int
    root_hash: str
    signed_at: datetime
    key_id: str

    def message(self) -> bytes:
        time = self.signed_at.astimezone(UTC).isoformat(timespec="microseconds")
        return (
            f"{FORMAT}\nsize {self.tree_size}\nroot {self.root_hash}\n"
            f"time {time}\nkey {self.key_id}\n"
        ).encode()


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def trusted_key(value: str) -> str:
    """A trusted key as given (public key or key id, hex), normalised; ValueError if it is
    neither."""
    normal = value.strip().lower()
    if not _HEX_32_BYTES.fullmatch(normal):
        raise ValueError(
            f"{value!r} is not a key: give the public key or the key id, 64 hex digits "
            "each (`ascn ledger keys` prints both)"
        )
    return normal


def trusted_keys(values: Iterable[str]) -> frozenset[str]:
    """Every value normalised (``trusted_key``); ValueError naming the first that is not."""
    return frozenset(trusted_key(value) for value in values)


def is_trusted(public_key: bytes, trusted: Collection[str]) -> bool:
    """Whether ``trusted`` (normalised by ``trusted_key``) names this public key, by
    itself or by its key id."""
    return public_key.hex() in trusted or key_id(public_key) in trusted


def sign(checkpoint: Checkpoint, private_key: Ed25519PrivateKey) -> bytes:
    if checkpoint.key_id != key_id(raw_public_key(private_key)):
        raise ValueError("the checkpoint names another key than the one signing it")
    return private_key.sign(checkpoint.message())


def signature_holds(checkpoint: Checkpoint, signature: bytes, public_key: bytes) -> bool:
    """Whether ``public_key`` (raw, 32 bytes) signed ``checkpoint`` and is the key it names."""
    if key_id(public_key) != checkpoint.key_id:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, checkpoint.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the ledger key is not an Ed25519 private key")
    return key


def document(
    checkpoint: Checkpoint, seq: int, signature: bytes, public_key: bytes
) -> dict[str, Any]:
    """A signed checkpoint as a JSON object: what `ascn verify --checkpoint` reads.

    A proof file (ledgercheck/proof.py) carries the same three fields, so it serves too.
    """
    return {
        "format": FORMAT,
        "checkpoint": {
            "seq": seq,
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "signed_at": checkpoint.signed_at.astimezone(UTC).isoformat(),
            "key_id": checkpoint.key_id,
        },
        "signature": signature.hex(),
        "public_key": public_key.hex(),
    }


def read_signed(document: dict[str, Any]) -> tuple[Checkpoint, bytes, bytes]:
    """The checkpoint, signature and public key of a checkpoint or proof document."""
    signed = document["checkpoint"]
    checkpoint = Checkpoint(
        int(signed["tree_size"]),
        str(signed["root_hash"]),
        datetime.fromisoformat(signed["signed_at"]),
        str(signed["key_id"]),
    )
    return checkpoint, bytes.fromhex(document["signature"]), bytes.fromhex(document["public_key"])
