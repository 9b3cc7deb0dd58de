"""Sign-in links for the web pages: each link's SHA-256, its user, when it expires and
when it was used (once). And an index on the year of granted exceptions, which the
pages read by year.

Revision ID: 0013
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventstore.schema import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_signin_links",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(150), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_web_signin_links_user_name", "web_signin_links", ["user_name"])
    op.create_index("ix_web_signin_links_expires_at", "web_signin_links", ["expires_at"])
    op.create_index("ix_rm_exceptions_year", "rm_exceptions", ["year"])


def downgrade() -> None:
    op.drop_index("ix_rm_exceptions_year", table_name="rm_exceptions")
    op.drop_index("ix_web_signin_links_expires_at", table_name="web_signin_links")
    op.drop_index("ix_web_signin_links_user_name", table_name="web_signin_links")
    op.drop_table("web_signin_links")
