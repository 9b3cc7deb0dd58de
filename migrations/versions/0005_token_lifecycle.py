"""Tokens get a public id and an expiry; the users tables follow the ``users`` stream.

Tokens issued before this revision get a random id and expire 90 days after the
upgrade (not after their creation), so no client loses access the moment it runs.
Their users and tokens have no events; the first change to one is recorded.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from eventstore.schema import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXISTING_TOKENS_LIVE = timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("token_id", sa.String(16), nullable=True))
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
    tokens = sa.table(
        "api_tokens",
        sa.column("hash", sa.String(64)),
        sa.column("token_id", sa.String(16)),
        sa.column("expires_at", UTCDateTime()),
    )
    conn = op.get_bind()
    expires_at = datetime.now(UTC) + EXISTING_TOKENS_LIVE
    for digest in conn.execute(sa.select(tokens.c.hash)).scalars().all():
        conn.execute(
            tokens.update()
            .where(tokens.c.hash == digest)
            .values(token_id=f"tok_{secrets.token_hex(6)}", expires_at=expires_at)
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("token_id", existing_type=sa.String(16), nullable=False)
        batch.alter_column("expires_at", existing_type=UTCDateTime(), nullable=False)
        batch.create_unique_constraint("uq_api_tokens_token_id", ["token_id"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("uq_api_tokens_token_id", type_="unique")
        batch.drop_column("expires_at")
        batch.drop_column("token_id")
