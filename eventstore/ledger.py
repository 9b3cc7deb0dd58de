"""The Merkle tree over the global log (``ledger_nodes``, see schema.py): extending it,
reading roots and proofs from it, and signing checkpoints of it.

Appends never touch the tree. ``extend`` catches it up from the log, the way the
projector catches up the read models: it reads the events after the tree's last
leaf in position order, adds the complete subtrees they make (about two rows an
event), and commits a batch at a time; it never rebuilds what is stored. Two
extenders queue on a lock (an advisory lock of its own on PostgreSQL, which appends
never take; the write lock on SQLite), and the primary key on (level, idx) refuses
a node written twice, so the tree cannot fork. It runs in the projector's loop, as
``ascn ledger extend``, and before every checkpoint.

Why the tree may follow the log a batch at a time without missing an event: the
store gives every event its position under its append lock, held until commit (see
store.py), so when one position is visible every position below it is visible too,
or was never used. That is the rule the projector relies on (projections.py). The
tree's leaves are therefore the events in position order, positions may skip
numbers but no leaf is ever inserted before another.

A root or a proof at size ``n`` needs O(log n) complete subtrees: each is found by a
dry run of the proof over placeholder hashes, then read in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from domain import merkle
from eventstore.engine import WRITE_OPTION, is_postgresql
from eventstore.schema import events, ledger_checkpoints, ledger_keys, ledger_nodes
from ledgercheck import consistency, proof
from ledgercheck.checkpoint import Checkpoint, document, key_id, raw_public_key, sign

# Extenders queue on this (PostgreSQL); appends take another key and never wait for it.
EXTEND_LOCK_KEY = 0x4C454447  # "LEDG"
DEFAULT_EXTEND_BATCH = 5000
# Subtrees of 2, 4 and 8 leaves are not kept: a proof that needs one rehashes it from its
# leaves (at most 14 more rows a proof), and the extender writes about 17 rows for every
# 16 leaves instead of 31 (the leaves, and the subtrees of 16 leaves and more).
DERIVED_LEVELS = range(1, 4)
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


def tree_edge(conn: Connection) -> tuple[int, int]:
    """The tree's size and the position of its last leaf (0 for an empty tree)."""
    row = conn.execute(
        select(ledger_nodes.c.idx, ledger_nodes.c.position)
        .where(ledger_nodes.c.level == 0)
        .order_by(ledger_nodes.c.idx.desc())
        .limit(1)
    ).first()
    return (0, 0) if row is None else (int(row.idx) + 1, int(row.position))


def _lock_tree(conn: Connection) -> None:
    if is_postgresql(conn):
        conn.execute(text(f"SELECT pg_advisory_xact_lock({EXTEND_LOCK_KEY})"))
    # SQLite: the transaction began with BEGIN IMMEDIATE (WRITE_OPTION), the write lock.


# The extender's two statements on the driver, like the append path's: SQLAlchemy's
# per-row parameter handling would cost more than the hashing and the insert together.
_NEXT_EVENTS = (
    "SELECT position, hash FROM events WHERE position > {mark} ORDER BY position LIMIT {mark}"
)
_INSERT_SQLITE = "INSERT INTO ledger_nodes (level, idx, hash, position) VALUES (?, ?, ?, ?)"
_INSERT_POSTGRES = """
INSERT INTO ledger_nodes (level, idx, hash, position)
SELECT * FROM unnest(%b::int[], %b::bigint[], %b::text[], %b::bigint[])
"""
NodeRow = tuple[int, int, str, int | None]


def _next_nodes(conn: Connection, batch_size: int) -> tuple[int, int, list[NodeRow]]:
    """The tree's edge as it stands, and the rows the next events would add to it."""
    size, after = tree_edge(conn)
    postgres = is_postgresql(conn)
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        cursor.execute(_NEXT_EVENTS.format(mark="%s" if postgres else "?"), (after, batch_size))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return size, after, []
    edge = _nodes(conn, merkle.frontier(size))
    new = merkle.extend(size, edge, [merkle.event_leaf(digest) for _, digest in rows])
    position = [int(row[0]) for row in rows]
    return (
        size,
        after,
        [
            (level, idx, digest.hex(), position[idx - size] if level == 0 else None)
            for level, idx, digest in new
            if stored(level)
        ],
    )


def extend_batch(engine: Engine, *, batch_size: int = DEFAULT_EXTEND_BATCH) -> int:
    """Add the next events of the log (at most ``batch_size``) to the tree; returns how
    many leaves it added (0: the tree is at the log's head).

    The events are read and hashed outside any lock; the write transaction then only
    checks that the tree still ends where it did (compare and set) and inserts the
    nodes, so appends on SQLite wait for the write lock as briefly as possible. If
    another extender moved the tree meanwhile, the batch is read again from there.
    """
    while True:
        with engine.connect() as conn:
            size, after, nodes = _next_nodes(conn, batch_size)
            conn.rollback()
            if not nodes:
                return 0
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                _lock_tree(conn)
                if tree_edge(conn) != (size, after):
                    continue  # another extender got there first
                driver: Any = conn.connection.driver_connection
                cursor = driver.cursor()
                try:
                    if is_postgresql(conn):
                        cursor.execute(
                            _INSERT_POSTGRES, [list(c) for c in zip(*nodes, strict=True)]
                        )
                    else:
                        cursor.executemany(_INSERT_SQLITE, nodes)
                finally:
                    cursor.close()
            return sum(1 for node in nodes if node[0] == 0)


def extend(engine: Engine, *, batch_size: int = DEFAULT_EXTEND_BATCH) -> int:
    """Catch the tree up with the log, batch by batch; returns the leaves added. A tree
    already at the head costs one read, and no lock."""
    with engine.connect() as conn:
        _, last = tree_edge(conn)
        head = conn.execute(select(func.max(events.c.position))).scalar()
    if head is None or int(head) <= last:
        return 0
    total = 0
    while added := extend_batch(engine, batch_size=batch_size):
        total += added
    return total


class Extender:
    """``extend`` as the projector's loop calls it after each pass."""

    name = "ledger"

    def __init__(self, engine: Engine, *, batch_size: int = DEFAULT_EXTEND_BATCH) -> None:
        self._engine = engine
        self._batch_size = batch_size

    def __call__(self) -> int:
        return extend(self._engine, batch_size=self._batch_size)


def stored(level: int) -> bool:
    """Whether the tree keeps subtrees of this level as rows (see ``DERIVED_LEVELS``)."""
    return level not in DERIVED_LEVELS


def _nodes(conn: Connection, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The subtrees ``wanted``: read, or rehashed from their leaves (``DERIVED_LEVELS``)."""
    if not wanted:
        return {}
    keys: set[tuple[int, int]] = set()
    for level, idx in wanted:
        if stored(level):
            keys.add((level, idx))
        else:
            keys.update((0, leaf) for leaf in range(idx << level, (idx + 1) << level))
    rows = conn.execute(
        # One index probe a node, on both backends (SQLite scans the table for a row-value
        # IN list, so the pairs are spelled out).
        select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash).where(
            or_(*(and_(ledger_nodes.c.level == lv, ledger_nodes.c.idx == ix) for lv, ix in keys))
        )
    )
    found = {(int(r.level), int(r.idx)): bytes.fromhex(r.hash) for r in rows}
    missing = keys - found.keys()
    if missing:
        level, index = min(missing)
        raise LedgerGap(f"the ledger has no subtree at level {level}, index {index}")
    for level, idx in wanted:
        if not stored(level):
            leaves = [found[(0, leaf)] for leaf in range(idx << level, (idx + 1) << level)]
            found[(level, idx)] = merkle.root(leaves)
    return found


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
    nodes = _nodes(conn, sorted(wanted))
    return compute(lambda level, index: nodes[(level, index)])


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
    engine: Engine,
    private_key: Ed25519PrivateKey,
    now: datetime,
    *,
    request_key: str | None = None,
) -> SignedCheckpoint:
    """Catch the tree up with the log, then sign it as it stands and keep the checkpoint.

    A key signing for the first time becomes the valid one from ``now``; the key
    it replaces stays on record, valid until ``now``. ``request_key`` makes it
    idempotent: a second call with the same key returns the first checkpoint.
    """
    if request_key is not None and (made := _requested(engine, request_key)) is not None:
        return made
    extend(engine)
    public = raw_public_key(private_key)
    kid = key_id(public)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                _take_over(conn, kid, public, now)
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
                        request_key=request_key,
                    )
                    .returning(ledger_checkpoints.c.seq)
                ).scalar_one()
    except IntegrityError:
        # Another worker made the checkpoint this request asks for, just now.
        if request_key is None or (made := _requested(engine, request_key)) is None:
            raise
        return made
    return SignedCheckpoint(int(seq), checkpoint, signature)


def _take_over(conn: Connection, kid: str, public: bytes, now: datetime) -> None:
    if is_postgresql(conn):  # one key change at a time
        conn.execute(text(f"SELECT pg_advisory_xact_lock({EXTEND_LOCK_KEY + 1})"))
    known = conn.execute(
        select(ledger_keys.c.valid_until).where(ledger_keys.c.key_id == kid)
    ).first()
    if known is None:
        conn.execute(
            update(ledger_keys).where(ledger_keys.c.valid_until.is_(None)).values(valid_until=now)
        )
        conn.execute(
            insert(ledger_keys).values(key_id=kid, public_key=public.hex(), valid_from=now)
        )
    elif known.valid_until is not None:
        raise ValueError(f"ledger key {kid} was replaced on {known.valid_until:%Y-%m-%d}")


def _requested(engine: Engine, request_key: str) -> SignedCheckpoint | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(ledger_checkpoints).where(ledger_checkpoints.c.request_key == request_key)
        ).first()
    return None if row is None else _signed(row)


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
        if leaf is None:  # the extender has not reached it: no checkpoint covers it yet
            raise CannotProve(
                f"event {event_id} (position {row.position}) is not in the tree yet, so no "
                "checkpoint covers it; sign a newer one (ascn ledger checkpoint)"
            )
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


def prove_consistency(engine: Engine, older_seq: int, newer_seq: int) -> dict[str, Any]:
    """A consistency proof document (ledgercheck/consistency.py) from checkpoint
    ``older_seq`` to checkpoint ``newer_seq``."""
    with engine.connect() as conn:
        keys = {key.key_id: key for key in signing_keys(conn)}
        signed: list[dict[str, Any]] = []
        sizes: list[int] = []
        for seq in (older_seq, newer_seq):
            made = checkpoint(conn, seq)
            if made is None:
                raise CannotProve(f"no checkpoint {seq}")
            key = keys.get(made.checkpoint.key_id)
            if key is None:
                raise LedgerGap(
                    f"checkpoint {seq} names key {made.checkpoint.key_id}, which is not on record"
                )
            signed.append(document(made.checkpoint, made.seq, made.signature, key.public_key))
            sizes.append(made.checkpoint.tree_size)
        old_size, new_size = sizes
        if old_size == 0:
            raise CannotProve(f"checkpoint {older_seq} signed an empty tree; nothing to prove")
        if old_size > new_size:
            raise CannotProve(
                f"checkpoint {older_seq} ({old_size} events) is larger than checkpoint "
                f"{newer_seq} ({new_size}); give the older one first"
            )
        path = consistency_proof(conn, old_size, new_size)
    return consistency.proof_document(signed[0], signed[1], path)
