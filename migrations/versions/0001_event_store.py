"""Event store, projection checkpoints and the nominations read model.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from eventstore.schema import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_events"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_id_version"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_projection_checkpoints"),
    )
    op.create_table(
        "rm_nominations",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("member_state", sa.String(8), nullable=False),
        sa.Column("city", sa.String(200), nullable=False),
        sa.Column("capital", sa.Boolean(), nullable=False),
        sa.Column("csco_name", sa.String(200), nullable=False),
        sa.Column("csco_email", sa.String(320), nullable=False),
        sa.Column("nr_name", sa.String(200), nullable=False),
        sa.Column("nr_email", sa.String(320), nullable=False),
        sa.Column("exception_ids", sa.JSON(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("carried_forward_from", sa.Integer(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("year", "member_state", "city", name="pk_rm_nominations"),
    )
    op.create_table(
        "rm_exceptions",
        sa.Column("member_state", sa.String(8), nullable=False),
        sa.Column("exception_id", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("max_cities", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_state", "exception_id", name="pk_rm_exceptions"),
    )


def downgrade() -> None:
    op.drop_table("rm_exceptions")
    op.drop_table("rm_nominations")
    op.drop_table("projection_checkpoints")
    op.drop_table("events")
