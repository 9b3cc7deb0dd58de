"""Tables of the event store. Alembic migrations create them; tests may use create_all.

One ``MetaData`` for the store and its read models, so ``alembic check`` sees all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zone type, so instants are stored as naive UTC there.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; the store needs aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid, and AUTOINCREMENT
# keeps positions from ever being reused after the newest row is deleted.
Position = BigInteger().with_variant(Integer(), "sqlite")
Payload = JSON().with_variant(JSONB(), "postgresql")

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", Uuid(), nullable=False, unique=True),
    Column("stream_id", String(200), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("type", String(200), nullable=False),
    Column("schema_version", Integer(), nullable=False),
    Column("data", Payload, nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "version"),
    sqlite_autoincrement=True,
)

projection_checkpoints = Table(
    "projection_checkpoints",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# The Merkle tree over the global log (domain/merkle.py), in tiles (eventstore/ledger.py):
# tile idx of level t holds the hashes of the complete subtrees of 2**(4t) leaves number
# 16 * idx to 16 * idx + 15, 32 bytes each, as many as are complete (the last tile of a
# level fills as the log grows). Leaf i is the i-th event in position order; a leaf tile
# also holds its events' positions (8 bytes each, big-endian) and the first of them, by
# which an event's leaf is found. Appends never write here: the extender follows the
# log, as the projector does.
ledger_tiles = Table(
    "ledger_tiles",
    metadata,
    Column("level", Integer(), primary_key=True, autoincrement=False),
    Column("idx", BigInteger(), primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary(), nullable=False),
    Column("positions", LargeBinary(), nullable=True),
    Column("first_position", BigInteger(), nullable=True),
    # Leaf tiles only: where an event's proof starts from, kept off the tiles above.
    Index(
        "uq_ledger_tiles_first_position",
        "first_position",
        unique=True,
        postgresql_where=text("level = 0"),
        sqlite_where=text("level = 0"),
    ),
)

# Ed25519 keys that sign checkpoints (raw public key, hex), each valid from the
# first checkpoint it signed until the next key took over.
ledger_keys = Table(
    "ledger_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("valid_from", UTCDateTime(), nullable=False),
    Column("valid_until", UTCDateTime(), nullable=True),
)

# Signed checkpoints of the tree (ledgercheck/checkpoint.py), numbered from 1. A
# checkpoint made for a request (the worker's, when a step completes) names it, once.
ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("seq", Position, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger(), nullable=False),
    Column("root_hash", String(64), nullable=False),
    Column("signed_at", UTCDateTime(), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("request_key", String(300), nullable=True, unique=True),
)
