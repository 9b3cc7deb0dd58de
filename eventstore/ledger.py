"""The Merkle tree over the global log (``ledger_tiles``, see schema.py): extending it,
reading roots and proofs from it, and signing checkpoints of it.

Appends never touch the tree. ``extend`` catches it up from the log, the way the
projector catches up the read models: it reads the events after the tree's last
leaf in position order, adds what they complete, and commits a batch at a time, up
to the head it found (what is appended meanwhile waits for the next call); it never
rebuilds what is stored. Two extenders queue on a lock (an advisory lock of
its own on PostgreSQL, which appends never take; the write lock on SQLite), and
each tile it grows is compared and set, so the tree cannot fork.
It runs in the projector's loop, as ``ascn ledger extend``, and before every
checkpoint.

What is stored are tiles, as transparency logs store theirs (golang.org/x/mod/sumdb/tlog;
C2SP tlog-tiles has 256 hashes a tile, these have 16): a tile of level ``t`` holds the
hashes of 16 consecutive complete subtrees of 2**(4t) leaves (level 0: 16 leaf hashes,
with the events' positions), and the last tile of each level holds fewer until it
fills. A subtree of any other height is rehashed from the 2, 4 or 8 hashes of one tile
below it. So the extender writes about one row for 16 events (a leaf tile, and a
sixteenth of a tile above it, and so on), plus one update of each last tile a batch
grows; and a proof at size ``n`` reads at most two tiles of each of the log16(n)
levels, in one query.

Why the tree may follow the log a batch at a time without missing an event: the
store gives every event its position under its append lock, held until commit (see
store.py), so when one position is visible every position below it is visible too,
or was never used. That is the rule the projector relies on (projections.py). The
tree's leaves are therefore the events in position order, positions may skip
numbers but no leaf is ever inserted before another.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from domain import merkle
from eventstore.engine import WRITE_OPTION, is_postgresql, reading
from eventstore.schema import events, ledger_checkpoints, ledger_keys, ledger_tiles
from ledgercheck import consistency, proof
from ledgercheck.checkpoint import Checkpoint, document, key_id, raw_public_key, sign

# Extenders queue on this (PostgreSQL); appends take another key and never wait for it.
EXTEND_LOCK_KEY = 0x4C454447  # "LEDG"
DEFAULT_EXTEND_BATCH = 20_000
TILE_HEIGHT = 4
TILE_WIDTH = 1 << TILE_HEIGHT
_POSITION = struct.Struct(">q")
_PLACEHOLDER = bytes(merkle.HASH_SIZE)
T = TypeVar("T")
TileKey = tuple[int, int]


class LedgerGap(LookupError):
    """A subtree a proof needs is not stored: the tree and the log have come apart."""


@dataclass(frozen=True, slots=True)
class Leaf:
    index: int
    position: int
    hash: bytes


@dataclass(frozen=True, slots=True)
class Tile:
    """Tile ``idx`` of ``level``: the hashes of the complete subtrees of 2**(4 * level)
    leaves number ``16 * idx`` on, one after the other; for leaves (level 0), the
    positions of their events too."""

    level: int
    idx: int
    hashes: bytes
    positions: tuple[int, ...] = ()

    @property
    def width(self) -> int:
        return len(self.hashes) // merkle.HASH_SIZE

    def hash(self, slot: int) -> bytes:
        return self.hashes[slot * merkle.HASH_SIZE : (slot + 1) * merkle.HASH_SIZE]

    def row(self) -> dict[str, Any]:
        leaves = self.level == 0
        return {
            "level": self.level,
            "idx": self.idx,
            "hashes": self.hashes,
            "positions": pack_positions(self.positions) if leaves else None,
            "first_position": self.positions[0] if leaves else None,
        }


def pack_positions(positions: Sequence[int]) -> bytes:
    """8 bytes each, big-endian (as ``_POSITION``)."""
    return struct.pack(f">{len(positions)}q", *positions)


def unpack_positions(packed: bytes | None) -> tuple[int, ...]:
    if not packed:
        return ()
    return tuple(value for (value,) in _POSITION.iter_unpack(packed))


def tile_of(level: int, idx: int) -> tuple[TileKey, int, int]:
    """Where subtree ``(level, idx)`` is kept: its tile, and the first and number of
    that tile's slots it is the root of (one, or 2, 4 or 8 to rehash)."""
    tile_level, height = divmod(level, TILE_HEIGHT)
    first = idx << height
    return (tile_level, first >> TILE_HEIGHT), first & (TILE_WIDTH - 1), 1 << height


def last_tiles(size: int) -> list[TileKey]:
    """The tiles a tree of ``size`` leaves ends with that are not full yet (none, or
    one a level): what growing it rewrites, and all that extending it reads."""
    keys = []
    level = 0
    while count := size >> (TILE_HEIGHT * level):
        if count % TILE_WIDTH:
            keys.append((level, count // TILE_WIDTH))
        level += 1
    return keys


def grow(
    size: int, last: Mapping[TileKey, Tile], leaves: Sequence[bytes], positions: Sequence[int]
) -> list[tuple[Tile, Tile | None]]:
    """The tiles that appending ``leaves`` (the leaf hashes of the events at
    ``positions``) to a tree of ``size`` begins or fills further, each with the tile
    it replaces (one of ``last``, the tiles the tree ends with) or None.

    Every 16 hashes that fill a tile make one hash of the level above (the root of
    the subtree they span), which goes on into that level's last tile the same way.
    """
    changed: list[tuple[Tile, Tile | None]] = []
    level, added = 0, list(leaves)
    while added:
        idx, slot = divmod(size >> (TILE_HEIGHT * level), TILE_WIDTH)
        old = last.get((level, idx)) if slot else None
        if slot and (old is None or old.width != slot):
            raise LedgerGap(f"the ledger's tile {idx} of level {level} is not where the tree ends")
        hashes = added if old is None else [old.hash(i) for i in range(slot)] + added
        held = ((() if old is None else old.positions) + tuple(positions)) if level == 0 else ()
        filled: list[bytes] = []
        for first in range(0, len(hashes), TILE_WIDTH):
            chunk = hashes[first : first + TILE_WIDTH]
            tile = Tile(level, idx, b"".join(chunk), held[first : first + TILE_WIDTH])
            changed.append((tile, old if first == 0 else None))
            if len(chunk) == TILE_WIDTH:
                filled.append(merkle.perfect_root(chunk))
            idx += 1
        level, added = level + 1, filled
    return changed


def _last_leaf_tile(conn: Connection) -> Any:
    return conn.execute(
        select(ledger_tiles.c.idx, ledger_tiles.c.hashes, ledger_tiles.c.positions)
        .where(ledger_tiles.c.level == 0)
        .order_by(ledger_tiles.c.idx.desc())
        .limit(1)
    ).first()


def tree_size(conn: Connection) -> int:
    return tree_edge(conn)[0]


def tree_edge(conn: Connection) -> tuple[int, int]:
    """The tree's size and the position of its last leaf (0 for an empty tree)."""
    row = _last_leaf_tile(conn)
    if row is None:
        return 0, 0
    last = unpack_positions(row.positions)
    return int(row.idx) * TILE_WIDTH + len(last), last[-1]


def _lock_tree(conn: Connection) -> None:
    if is_postgresql(conn):
        conn.execute(text(f"SELECT pg_advisory_xact_lock({EXTEND_LOCK_KEY})"))
    # SQLite: the transaction began with BEGIN IMMEDIATE (WRITE_OPTION), the write lock.


# The extender reads the log and writes its tiles on the driver, as the append path writes
# events: SQLAlchemy's per-row handling would cost more than the hashing, and on PostgreSQL
# its executemany sends a statement a tile, where one array parameter a column sends them all.
_NEXT_EVENTS_SQLITE = (
    "SELECT position, hash FROM events WHERE position > ? ORDER BY position LIMIT ?"
)
_NEXT_EVENTS_POSTGRES = "SELECT position, hash FROM events WHERE position > %s ORDER BY position"
_TILE_COLUMNS = ("level", "idx", "hashes", "positions", "first_position")
_INSERT_SQLITE = (
    "INSERT INTO ledger_tiles (level, idx, hashes, positions, first_position) "
    "VALUES (?, ?, ?, ?, ?)"
)
_INSERT_POSTGRES = """
INSERT INTO ledger_tiles (level, idx, hashes, positions, first_position)
SELECT * FROM unnest(%b::int[], %b::bigint[], %b::bytea[], %b::bytea[], %b::bigint[])
"""


def _next_tiles(
    conn: Connection, batch_size: int
) -> tuple[int, int, int, list[tuple[Tile, Tile | None]]]:
    """The tree's edge as it stands, how many events follow it (at most
    ``batch_size``), and the tiles they would write."""
    size, after = tree_edge(conn)
    driver: Any = conn.connection.driver_connection
    parameters: tuple[int, ...]
    if is_postgresql(conn):
        # A server-side cursor, planned for its first rows: the primary key's index. With
        # LIMIT, a log grown since its last ANALYZE looks shorter than the batch to the
        # planner, which then reads and sorts the whole table, on disk, for every batch.
        cursor = driver.cursor(name="ledger_next_events")
        query, parameters = _NEXT_EVENTS_POSTGRES, (after,)
    else:
        cursor = driver.cursor()
        query, parameters = _NEXT_EVENTS_SQLITE, (after, batch_size)
    try:
        cursor.execute(query, parameters)
        rows = cursor.fetchmany(batch_size)
    finally:
        cursor.close()
    if not rows:
        return size, after, 0, []
    leaves = merkle.event_leaves(digest for _, digest in rows)
    changed = grow(size, _tiles(conn, last_tiles(size)), leaves, [int(row[0]) for row in rows])
    return size, after, len(rows), changed


def extend_batch(engine: Engine, *, batch_size: int = DEFAULT_EXTEND_BATCH) -> int:
    """Add the next events of the log (at most ``batch_size``) to the tree; returns how
    many leaves it added (0: the tree is at the log's head)."""
    return _extend_batch(engine, batch_size)[0]


def _extend_batch(engine: Engine, batch_size: int) -> tuple[int, int]:
    """``extend_batch``, and the position of the tree's last leaf after it.

    The events are read and hashed outside any lock; the write transaction then only
    checks that the tree still ends where it did (compare and set) and writes the
    tiles, so appends on SQLite wait for the write lock as briefly as possible. If
    another extender moved the tree meanwhile, the batch is read again from there.
    """
    while True:
        with reading(engine) as snapshot:  # the edge and its tiles as of one moment
            size, after, added, changed = _next_tiles(snapshot, batch_size)
        if not added:
            return 0, after
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                _lock_tree(conn)
                if tree_edge(conn) != (size, after):
                    continue  # another extender got there first
                _write(conn, changed)
        leaf_tiles = [tile for tile, _ in changed if tile.level == 0]
        return added, leaf_tiles[-1].positions[-1]


def _write(conn: Connection, changed: list[tuple[Tile, Tile | None]]) -> None:
    """Insert the tiles begun; fill the ones grown, each only if it is still the tile
    that was read (a tile is only ever replaced by a longer one that begins with it)."""
    for tile, old in changed:
        if old is None:
            continue
        row = tile.row()
        grown = conn.execute(
            update(ledger_tiles)
            .where(
                ledger_tiles.c.level == tile.level,
                ledger_tiles.c.idx == tile.idx,
                ledger_tiles.c.hashes == old.hashes,
            )
            .values(hashes=row["hashes"], positions=row["positions"])
        )
        if grown.rowcount != 1:
            raise LedgerGap(f"the ledger's tile {tile.idx} of level {tile.level} changed")
    rows = [tile.row() for tile, old in changed if old is None]
    begun = [tuple(row[column] for column in _TILE_COLUMNS) for row in rows]
    if not begun:
        return
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        if is_postgresql(conn):
            cursor.execute(_INSERT_POSTGRES, [list(column) for column in zip(*begun, strict=True)])
        else:
            cursor.executemany(_INSERT_SQLITE, begun)
    finally:
        cursor.close()


def extend(engine: Engine, *, batch_size: int = DEFAULT_EXTEND_BATCH) -> int:
    """Catch the tree up with the log as it stands, batch by batch; returns the leaves
    added. A tree already at the head costs one read, and no lock.

    It stops at the head it found: events appended meanwhile wait for the next call, in
    one batch, rather than have it chase the head a few events a transaction (each a
    commit that appends would wait on, on a busy log of single events)."""
    with engine.connect() as conn:
        _, last = tree_edge(conn)
        head = conn.execute(select(func.max(events.c.position))).scalar()
    if head is None or int(head) <= last:
        return 0
    total = 0
    while last < int(head):
        added, last = _extend_batch(engine, batch_size)
        if not added:
            break
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


def _tiles(conn: Connection, keys: Iterable[TileKey]) -> dict[TileKey, Tile]:
    """The tiles ``keys`` that are stored, in one query (one index probe a tile)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    tiles = ledger_tiles.c
    rows = conn.execute(
        # SQLite scans the table for a row-value IN list, so the pairs are spelled out.
        select(tiles.level, tiles.idx, tiles.hashes, tiles.positions).where(
            or_(*(and_(ledger_tiles.c.level == lv, ledger_tiles.c.idx == ix) for lv, ix in wanted))
        )
    )
    return {
        (int(r.level), int(r.idx)): Tile(
            int(r.level), int(r.idx), bytes(r.hashes), unpack_positions(r.positions)
        )
        for r in rows
    }


def _subtree(tiles: Mapping[TileKey, Tile], level: int, idx: int) -> bytes:
    key, first, count = tile_of(level, idx)
    tile = tiles.get(key)
    if tile is None or tile.width < first + count:
        raise LedgerGap(f"the ledger has no subtree at level {level}, index {idx}")
    return merkle.perfect_root([tile.hash(slot) for slot in range(first, first + count)])


def _nodes(conn: Connection, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The subtrees ``wanted``, from the tiles that hold them (read in one query)."""
    tiles = _tiles(conn, (tile_of(level, idx)[0] for level, idx in wanted))
    return {(level, idx): _subtree(tiles, level, idx) for level, idx in wanted}


def leaf_at_position(conn: Connection, position: int) -> Leaf | None:
    row = conn.execute(
        select(ledger_tiles.c.idx, ledger_tiles.c.hashes, ledger_tiles.c.positions)
        .where(ledger_tiles.c.level == 0, ledger_tiles.c.first_position <= position)
        .order_by(ledger_tiles.c.first_position.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    tile = Tile(0, int(row.idx), bytes(row.hashes), unpack_positions(row.positions))
    slot = bisect.bisect_left(tile.positions, position)
    if slot == len(tile.positions) or tile.positions[slot] != position:
        return None
    return Leaf(tile.idx * TILE_WIDTH + slot, position, tile.hash(slot))


def leaves(conn: Connection, size: int) -> list[Leaf]:
    """The tree's first ``size`` leaves, as stored (fewer if the tree is smaller)."""
    rows = conn.execute(
        select(ledger_tiles.c.idx, ledger_tiles.c.hashes, ledger_tiles.c.positions)
        .where(ledger_tiles.c.level == 0, ledger_tiles.c.idx * TILE_WIDTH < size)
        .order_by(ledger_tiles.c.idx)
    )
    found: list[Leaf] = []
    for row in rows:
        tile = Tile(0, int(row.idx), bytes(row.hashes), unpack_positions(row.positions))
        if tile.idx * TILE_WIDTH != len(found):
            break  # a tile is missing: what follows it is not where it says
        found += [
            Leaf(len(found) + slot, position, tile.hash(slot))
            for slot, position in enumerate(tile.positions)
        ]
    return found[:size]


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


class ProofDoesNotHold(CannotProve):
    """The proof the store made fails its own check: the store no longer agrees with
    what was signed (an edited event, a rewritten tree). It is never handed out."""


def _checked(made: dict[str, Any], verdict: proof.Verdict, what: str) -> dict[str, Any]:
    if not verdict.ok:
        raise ProofDoesNotHold(
            f"the proof of {what} does not hold, so none was made: "
            + "; ".join(verdict.problems)
            + ". The store no longer agrees with what was signed (`ascn verify --checkpoint` "
            "with a checkpoint file names where)"
        )
    return made


def prove(engine: Engine, event_id: UUID, seq: int | None = None) -> dict[str, Any]:
    """A proof document (ledgercheck/proof.py) of ``event_id`` under checkpoint ``seq``,
    checked as anyone would check it (ProofDoesNotHold if it fails)."""
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
    made_proof = {
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
    verdict = proof.check(made_proof, trusted_keys={key.public_key.hex()})
    return _checked(made_proof, verdict, f"event {event_id} under checkpoint {signed.seq}")


def prove_consistency(engine: Engine, older_seq: int, newer_seq: int) -> dict[str, Any]:
    """A consistency proof document (ledgercheck/consistency.py) from checkpoint
    ``older_seq`` to checkpoint ``newer_seq``, checked as anyone would check it
    (ProofDoesNotHold if it fails)."""
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
    made_proof = consistency.proof_document(signed[0], signed[1], path)
    on_record = {key.public_key.hex() for key in keys.values()}
    verdict = consistency.check(made_proof, trusted_keys=on_record)
    return _checked(made_proof, verdict, f"checkpoint {newer_seq} extending checkpoint {older_seq}")
