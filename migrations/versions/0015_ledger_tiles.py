"""The Merkle tree in tiles of 16 hashes (``ledger_tiles``), as transparency logs keep
theirs, instead of a row a node (``ledger_nodes``): the extender writes about one row
for 16 events instead of 17, and a proof reads a few tiles instead of a row a node.

The nodes already stored move into tiles as they are, a page at a time: leaves (with
their positions) into the tiles of level 0, the subtrees of 16**t leaves into the
tiles of level t. Nothing is rehashed on the way up; the way down rehashes the
subtrees ``ledger_nodes`` kept that tiles do not (of 32, 64 and 128 leaves, and so on).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from domain import merkle

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As eventstore/ledger.py keeps them, frozen here: tiles of 16 hashes, positions as
# 8-byte big-endian integers; ledger_nodes kept every level but 1, 2 and 3.
TILE_HEIGHT = 4
TILE_WIDTH = 16
NODES_NOT_KEPT = range(1, 4)
PAGE_TILES = 1_000


def tiles_table() -> sa.TableClause:
    return sa.table(
        "ledger_tiles",
        sa.column("level", sa.Integer()),
        sa.column("idx", sa.BigInteger()),
        sa.column("hashes", sa.LargeBinary()),
        sa.column("positions", sa.LargeBinary()),
        sa.column("first_position", sa.BigInteger()),
    )


def nodes_table() -> sa.TableClause:
    return sa.table(
        "ledger_nodes",
        sa.column("level", sa.Integer()),
        sa.column("idx", sa.BigInteger()),
        sa.column("hash", sa.String(64)),
        sa.column("position", sa.BigInteger()),
    )


def upgrade() -> None:
    op.create_table(
        "ledger_tiles",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.Column("positions", sa.LargeBinary(), nullable=True),
        sa.Column("first_position", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_tiles")),
    )
    op.create_index(
        "uq_ledger_tiles_first_position",
        "ledger_tiles",
        ["first_position"],
        unique=True,
        postgresql_where=sa.text("level = 0"),
        sqlite_where=sa.text("level = 0"),
    )
    nodes_to_tiles(op.get_bind())
    op.drop_index("uq_ledger_nodes_position", table_name="ledger_nodes")
    op.drop_table("ledger_nodes")


def nodes_to_tiles(conn: sa.Connection, page_tiles: int = PAGE_TILES) -> None:
    """Every level of 16**t leaves in ``ledger_nodes``, regrouped into tiles."""
    nodes, tiles = nodes_table(), tiles_table()
    tile_level = 0
    while True:
        level = tile_level * TILE_HEIGHT
        count = conn.execute(
            sa.select(sa.func.count()).select_from(nodes).where(nodes.c.level == level)
        ).scalar_one()
        if not count:
            return
        for start in range(0, count, page_tiles * TILE_WIDTH):
            page = conn.execute(
                sa.select(nodes.c.idx, nodes.c.hash, nodes.c.position)
                .where(
                    nodes.c.level == level,
                    nodes.c.idx >= start,
                    nodes.c.idx < start + page_tiles * TILE_WIDTH,
                )
                .order_by(nodes.c.idx)
            ).all()
            if [int(row.idx) for row in page] != list(range(start, start + len(page))):
                raise RuntimeError(
                    f"ledger_nodes lacks a subtree of level {level} between index {start} "
                    f"and {start + len(page)}: run `ascn verify` on the store before migrating"
                )
            conn.execute(tiles.insert(), list(_tile_rows(tile_level, start, page)))
        tile_level += 1


def _tile_rows(tile_level: int, start: int, page: Sequence[Any]) -> Iterator[dict[str, object]]:
    for first in range(0, len(page), TILE_WIDTH):
        group = page[first : first + TILE_WIDTH]
        leaves = tile_level == 0
        yield {
            "level": tile_level,
            "idx": (start + first) // TILE_WIDTH,
            "hashes": b"".join(bytes.fromhex(row.hash) for row in group),
            "positions": b"".join(int(row.position).to_bytes(8, "big") for row in group)
            if leaves
            else None,
            "first_position": int(group[0].position) if leaves else None,
        }


def downgrade() -> None:
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_nodes")),
    )
    op.create_index(
        "uq_ledger_nodes_position",
        "ledger_nodes",
        ["position"],
        unique=True,
        postgresql_where=sa.text("level = 0"),
        sqlite_where=sa.text("level = 0"),
    )
    tiles_to_nodes(op.get_bind())
    op.drop_index("uq_ledger_tiles_first_position", table_name="ledger_tiles")
    op.drop_table("ledger_tiles")


def tiles_to_nodes(conn: sa.Connection, page_tiles: int = PAGE_TILES) -> None:
    """Each tile back into the nodes ``ledger_nodes`` kept: its hashes, and (above the
    leaves) the subtrees of 2, 4 and 8 of them, rehashed."""
    nodes, tiles = nodes_table(), tiles_table()
    after: tuple[int, int] = (-1, -1)
    while True:
        page = conn.execute(
            sa.select(tiles.c.level, tiles.c.idx, tiles.c.hashes, tiles.c.positions)
            .where(
                sa.or_(
                    tiles.c.level > after[0],
                    sa.and_(tiles.c.level == after[0], tiles.c.idx > after[1]),
                )
            )
            .order_by(tiles.c.level, tiles.c.idx)
            .limit(page_tiles)
        ).all()
        if not page:
            return
        conn.execute(nodes.insert(), [node for row in page for node in _node_rows(row)])
        after = (int(page[-1].level), int(page[-1].idx))


def _node_rows(tile: Any) -> Iterator[dict[str, object]]:
    hashes = [bytes(tile.hashes[i : i + 32]) for i in range(0, len(tile.hashes), 32)]
    positions = [
        int.from_bytes(tile.positions[i : i + 8], "big")
        for i in range(0, len(tile.positions or b""), 8)
    ]
    base = int(tile.level) * TILE_HEIGHT
    for height in range(TILE_HEIGHT):
        if base + height in NODES_NOT_KEPT:
            continue
        span = 1 << height
        for first in range(0, len(hashes) - span + 1, span):
            yield {
                "level": base + height,
                "idx": ((int(tile.idx) * TILE_WIDTH) >> height) + first // span,
                "hash": merkle.root(hashes[first : first + span]).hex(),
                "position": positions[first] if base + height == 0 else None,
            }
