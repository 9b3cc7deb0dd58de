"""Action plans and their versions, IMD's assessments and reasons, external partners,
twinning pairs and exceptions, and the annual meetings' outcomes (read models).

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventstore.schema import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rm_plan_versions",
        sa.Column("city_id", sa.String(120), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("member_state", sa.String(8), nullable=False),
        sa.Column("city", sa.String(200), nullable=False),
        sa.Column("period_start", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rm_plan_projects",
        sa.Column("city_id", sa.String(120), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("action_lines", sa.JSON(), nullable=False),
        sa.Column("focus_areas", sa.JSON(), nullable=False),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
    )
    op.create_table(
        "rm_assessments",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("city_id", sa.String(120), primary_key=True),
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("assessed_by", sa.String(200), nullable=False),
        sa.Column("assessed_at", UTCDateTime(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rm_not_assessed",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("city_id", sa.String(120), primary_key=True),
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rm_partners",
        sa.Column("partner_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rm_twinning",
        sa.Column("city_id", sa.String(120), primary_key=True),
        sa.Column("partner_id", sa.String(64), primary_key=True),
        sa.Column("starts", sa.Date(), primary_key=True),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("exception_id", sa.String(64), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rm_twinning_exceptions",
        sa.Column("city_id", sa.String(120), primary_key=True),
        sa.Column("exception_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rm_meeting_outcomes",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("city_id", sa.String(120), primary_key=True),
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rm_meeting_outcomes")
    op.drop_table("rm_twinning_exceptions")
    op.drop_table("rm_twinning")
    op.drop_table("rm_partners")
    op.drop_table("rm_not_assessed")
    op.drop_table("rm_assessments")
    op.drop_table("rm_plan_projects")
    op.drop_table("rm_plan_versions")
