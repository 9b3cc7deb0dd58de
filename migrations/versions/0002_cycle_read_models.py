"""Cycle read models: cycles, their steps, and who is overdue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

The projection named "cycles" starts from position 0 on its first run, so no
backfill is needed here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventstore.schema import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rm_cycles",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chair", sa.String(8), nullable=False),
        sa.Column("shepherd", sa.String(8), nullable=False),
        sa.Column("template", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("current_step", sa.String(200), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_rm_cycles"),
    )
    op.create_table(
        "rm_steps",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("step", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("settled_by", sa.String(16), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        sa.Column("deadline", UTCDateTime(), nullable=True),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("outstanding", sa.JSON(), nullable=False),
        sa.Column("escalations", sa.JSON(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("noted", sa.JSON(), nullable=False),
        sa.Column("order_position", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("year", "step", name="pk_rm_steps"),
    )
    op.create_table(
        "rm_overdue",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("step", sa.String(200), nullable=False),
        sa.Column("party", sa.String(200), nullable=False),
        sa.Column("rung", sa.String(100), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("year", "step", "party", name="pk_rm_overdue"),
    )


def downgrade() -> None:
    op.drop_table("rm_overdue")
    op.drop_table("rm_steps")
    op.drop_table("rm_cycles")
