"""Calendar feeds (only each feed token's SHA-256) and the answers to idempotent requests.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventstore.schema import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_feeds",
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("feed_id", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("hash", name="pk_api_feeds"),
        sa.UniqueConstraint("feed_id", name="uq_api_feeds_feed_id"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["api_users.id"], name="fk_api_feeds_user_id_api_users"
        ),
    )
    op.create_index("ix_api_feeds_user_id", "api_feeds", ["user_id"])
    op.create_table(
        "api_idempotency",
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("route", sa.String(300), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name="pk_api_idempotency"),
    )
    op.create_index("ix_api_idempotency_expires_at", "api_idempotency", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_api_idempotency_expires_at", table_name="api_idempotency")
    op.drop_table("api_idempotency")
    op.drop_index("ix_api_feeds_user_id", table_name="api_feeds")
    op.drop_table("api_feeds")
