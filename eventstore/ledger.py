"""Reading the Merkle tree the appends keep (``ledger_nodes``, see schema.py).

A root or a proof at size ``n`` needs O(log n) complete subtrees: each is found
by a dry run of the proof over placeholder hashes, then read in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, func, select, tuple_

from domain import merkle
from eventstore.schema import ledger_nodes

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
