"""The annual report's versions in the cycle read model: each version drafted (its
number, SHA-256, the log's position it is as of, who drafted it and when), the one ASEC
submitted, and who submitted which version to the JCM, as one JSON value per cycle.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rm_cycles") as batch:
        batch.add_column(sa.Column("report", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rm_cycles") as batch:
        batch.drop_column("report")
