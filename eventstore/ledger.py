"""Reading the Merkle tree the appends keep (``ledger_nodes``, see schema.py).

A root or a proof at size ``n`` needs O(log n) complete subtrees: each is found
by a dry run of the proof over placeholder hashes, then read in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, func, insert, select, tuple_, update

from domain import merkle
from eventstore.schema import events, ledger_checkpoints, ledger_keys, ledger_nodes
from ledgercheck import proof
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
    return [_signed(row) for row in rows]


def checkpoint(conn: Connection, seq: int | None = None) -> SignedCheckpoint | None:
    """Checkpoint ``seq``, or the newest."""
    query = select(ledger_checkpoints).order_by(ledger_checkpoints.c.seq.desc()).limit(1)
    if seq is not None:
        query = select(ledger_checkpoints).where(ledger_checkpoints.c.seq == seq)
    row = conn.execute(query).first()
    return None if row is None else _signed(row)


def _signed(row: Any) -> SignedCheckpoint:
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


class CannotProve(LookupError):
    """No proof can be made: no such event or checkpoint, or the event came after it."""


def prove(engine: Engine, event_id: UUID, seq: int | None = None) -> dict[str, Any]:
    """A proof document (ledgercheck/proof.py) of ``event_id`` under checkpoint ``seq``."""
    with engine.connect() as conn:
        row = conn.execute(select(events).where(events.c.event_id == event_id)).first()
        if row is None:
            raise CannotProve(f"no event {event_id}")
        signed = checkpoint(conn, seq)
        if signed is None:
            raise CannotProve(
                "no checkpoint yet (ascn ledger checkpoint)"
                if seq is None
                else f"no checkpoint {seq}"
            )
        leaf = leaf_at_position(conn, int(row.position))
        if leaf is None:
            raise LedgerGap(f"event {event_id} at position {row.position} is not in the ledger")
        made = signed.checkpoint
        if leaf.index >= made.tree_size:
            raise CannotProve(
                f"event {event_id} is leaf {leaf.index}, after checkpoint {signed.seq} "
                f"({made.tree_size} events); sign a newer one"
            )
        path = inclusion_proof(conn, leaf.index, made.tree_size)
        key = next((k for k in signing_keys(conn) if k.key_id == made.key_id), None)
        if key is None:
            raise LedgerGap(
                f"checkpoint {signed.seq} names key {made.key_id}, which is not on record"
            )
    return {
        "format": proof.FORMAT,
        "event": {
            "position": int(row.position),
            "event_id": str(row.event_id),
            "stream_id": row.stream_id,
            "version": row.version,
            "type": row.type,
            "schema_version": row.schema_version,
            "occurred_at": row.occurred_at.isoformat(),
            "recorded_at": row.recorded_at.isoformat(),
            "actor": row.actor,
            "data": row.data,
            "prev_hash": row.prev_hash,
        },
        "event_hash": row.hash,
        "leaf_index": leaf.index,
        "audit_path": [step.hex() for step in path],
        "checkpoint": {
            "seq": signed.seq,
            "tree_size": made.tree_size,
            "root_hash": made.root_hash,
            "signed_at": made.signed_at.isoformat(),
            "key_id": made.key_id,
        },
        "signature": signed.signature.hex(),
        "public_key": key.public_key.hex(),
        "key_valid_from": key.valid_from.isoformat(),
        "key_valid_until": None if key.valid_until is None else key.valid_until.isoformat(),
    }
