"""The Merkle tree over the global log (the hash of every complete subtree), and
its signed checkpoints with the keys that signed them.

Appends never write the tree: an extender follows the log (eventstore/ledger.py).
A store that already holds events gets its tree here, once: the events are read
in position order, a page at a time, and only the tree's right edge is kept in
memory; the extender goes on from the last of them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain import merkle
from eventstore.schema import Position, UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 5_000
# As eventstore/ledger.py kept them until 0015 (tiles): no subtrees of 2, 4 or 8 leaves.
DERIVED_LEVELS = range(1, 4)


def upgrade() -> None:
    nodes = op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger(), primary_key=True, autoincrement=False),
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
    bring_in_existing_events(op.get_bind(), nodes)
    op.create_table(
        "ledger_keys",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_ledger_keys")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("seq", Position, nullable=False, autoincrement=True),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("request_key", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_checkpoints")),
        sa.UniqueConstraint("request_key", name=op.f("uq_ledger_checkpoints_request_key")),
        sqlite_autoincrement=True,
    )


def bring_in_existing_events(conn: sa.Connection, nodes: sa.Table, page_size: int = PAGE) -> None:
    events = sa.table("events", sa.column("position", sa.BigInteger()), sa.column("hash"))
    size, after = 0, 0
    edge: dict[tuple[int, int], bytes] = {}
    while True:
        page = conn.execute(
            sa.select(events.c.position, events.c.hash)
            .where(events.c.position > after)
            .order_by(events.c.position)
            .limit(page_size)
        ).all()
        if not page:
            return
        new = merkle.extend(size, edge, [merkle.event_leaf(row.hash) for row in page])
        positions = {size + i: int(row.position) for i, row in enumerate(page)}
        conn.execute(
            nodes.insert(),
            [
                {
                    "level": level,
                    "idx": idx,
                    "hash": digest.hex(),
                    "position": positions[idx] if level == 0 else None,
                }
                for level, idx, digest in new
                if level not in DERIVED_LEVELS
            ],
        )
        known = {**edge, **{(level, idx): digest for level, idx, digest in new}}
        size += len(page)
        edge = {key: known[key] for key in merkle.frontier(size)}
        after = int(page[-1].position)


def downgrade() -> None:
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_keys")
    op.drop_table("ledger_nodes")
