"""Reading the Merkle tree the appends keep (``ledger_nodes``, see schema.py).

A root or a proof at size ``n`` needs O(log n) complete subtrees: each is found
by a dry run of the proof over placeholder hashes, then read in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, func, insert, select, tuple_, update

from domain import merkle
from eventstore.schema import ledger_checkpoints, ledger_keys, ledger_nodes
from ledgercheck.checkpoint import Checkpoint, key_id, raw_public_key, sign

_PLACEHOLDER = bytes(merkle.HASH_SIZE)
T = TypeVar("T")


class LedgerGap(LookupError):
    """A subtree a proof needs is not stored: the tree and the log have come apart."""


@dataclass(frozen=True, slots=True)
class Leaf:
    index: int
    position: int
    hash: bytes


def tree_size(conn: Connection) -> int:
    last = conn.execute(
        select(func.max(ledger_nodes.c.idx)).where(ledger_nodes.c.level == 0)
    ).scalar()
    return 0 if last is None else int(last) + 1


def leaf_at_position(conn: Connection, position: int) -> Leaf | None:
    row = conn.execute(
        select(ledger_nodes.c.idx, ledger_nodes.c.hash).where(
            ledger_nodes.c.level == 0, ledger_nodes.c.position == position
        )
    ).first()
    if row is None:
        return None
    return Leaf(int(row.idx), position, bytes.fromhex(row.hash))


def _read(conn: Connection, compute: Callable[[merkle.Subtree], T]) -> T:
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return _PLACEHOLDER

    compute(record)
    nodes: dict[tuple[int, int], bytes] = {}
    if wanted:
        rows = conn.execute(
            select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash).where(
                tuple_(ledger_nodes.c.level, ledger_nodes.c.idx).in_(sorted(wanted))
            )
        )
        nodes = {(int(r.level), int(r.idx)): bytes.fromhex(r.hash) for r in rows}

    def stored(level: int, index: int) -> bytes:
        try:
            return nodes[(level, index)]
        except KeyError:
            raise LedgerGap(f"the ledger has no subtree at level {level}, index {index}") from None

    return compute(stored)


def root(conn: Connection, size: int) -> bytes:
    return _read(conn, lambda subtree: merkle.tree_root(size, subtree))


def inclusion_proof(conn: Connection, index: int, size: int) -> list[bytes]:
    return _read(conn, lambda subtree: merkle.inclusion_path(index, size, subtree))


def consistency_proof(conn: Connection, old_size: int, new_size: int) -> list[bytes]:
    return _read(conn, lambda subtree: merkle.consistency_path(old_size, new_size, subtree))


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    seq: int
    checkpoint: Checkpoint
    signature: bytes


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: str
    public_key: bytes
    valid_from: datetime
    valid_until: datetime | None


def record_checkpoint(
    engine: Engine, private_key: Ed25519PrivateKey, now: datetime
) -> SignedCheckpoint:
    """Sign the tree as it stands and keep the checkpoint.

    A key signing for the first time becomes the valid one from ``now``; the key
    it replaces stays on record, valid until ``now``.
    """
    public = raw_public_key(private_key)
    kid = key_id(public)
    with engine.begin() as conn:
        known = conn.execute(
            select(ledger_keys.c.valid_until).where(ledger_keys.c.key_id == kid)
        ).first()
        if known is None:
            conn.execute(
                update(ledger_keys)
                .where(ledger_keys.c.valid_until.is_(None))
                .values(valid_until=now)
            )
            conn.execute(
                insert(ledger_keys).values(key_id=kid, public_key=public.hex(), valid_from=now)
            )
        elif known.valid_until is not None:
            raise ValueError(f"ledger key {kid} was replaced on {known.valid_until:%Y-%m-%d}")
        size = tree_size(conn)
        checkpoint = Checkpoint(size, root(conn, size).hex(), now, kid)
        signature = sign(checkpoint, private_key)
        seq = conn.execute(
            insert(ledger_checkpoints)
            .values(
                tree_size=size,
                root_hash=checkpoint.root_hash,
                signed_at=now,
                key_id=kid,
                signature=signature.hex(),
            )
            .returning(ledger_checkpoints.c.seq)
        ).scalar_one()
    return SignedCheckpoint(int(seq), checkpoint, signature)


def checkpoints(conn: Connection) -> list[SignedCheckpoint]:
    rows = conn.execute(select(ledger_checkpoints).order_by(ledger_checkpoints.c.seq))
    return [
        SignedCheckpoint(
            int(row.seq),
            Checkpoint(int(row.tree_size), row.root_hash, row.signed_at, row.key_id),
            bytes.fromhex(row.signature),
        )
        for row in rows
    ]


def checkpoint(conn: Connection, seq: int | None = None) -> SignedCheckpoint | None:
    """Checkpoint ``seq``, or the newest."""
    query = select(ledger_checkpoints).order_by(ledger_checkpoints.c.seq.desc()).limit(1)
    if seq is not None:
        query = select(ledger_checkpoints).where(ledger_checkpoints.c.seq == seq)
    row = conn.execute(query).first()
    if row is None:
        return None
    return SignedCheckpoint(
        int(row.seq),
        Checkpoint(int(row.tree_size), row.root_hash, row.signed_at, row.key_id),
        bytes.fromhex(row.signature),
    )


def signing_keys(conn: Connection) -> list[SigningKey]:
    rows = conn.execute(select(ledger_keys).order_by(ledger_keys.c.valid_from))
    return [
        SigningKey(row.key_id, bytes.fromhex(row.public_key), row.valid_from, row.valid_until)
        for row in rows
    ]
