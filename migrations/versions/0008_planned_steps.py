"""The cycle's plan in the read models: its time zone; each step's order, title, owner
and opening.

The cycle records its whole plan (CyclePlanned) as it opens, so every step shows,
pending, before it opens. Cycles recorded before that have no plan on record: their
steps keep these columns empty and are ordered as they opened.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventstore.schema import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rm_cycles") as batch:
        batch.add_column(sa.Column("zone", sa.String(64), nullable=True))
    with op.batch_alter_table("rm_steps") as batch:
        batch.add_column(sa.Column("plan_order", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("title", sa.String(300), nullable=True))
        batch.add_column(sa.Column("owed_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("opens_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rm_steps") as batch:
        batch.drop_column("opens_at")
        batch.drop_column("owed_by")
        batch.drop_column("title")
        batch.drop_column("plan_order")
    with op.batch_alter_table("rm_cycles") as batch:
        batch.drop_column("zone")
