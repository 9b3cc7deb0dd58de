"""Each queued mail of a daily recipient names its digest (rm_outbox.digest_id).

A digest's Message-ID was computed from the mails still pending when it was sent, so
a dispatcher that died after recording one of a digest's deliveries sent the others
again, as a new digest under a new id. The id is now fixed when a mail is queued.
Mails still queued get the id of the digest they are waiting for; delivered and
failed ones are done and keep none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventstore.schema import UTCDateTime
from mail.rules import digest_message_id

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rm_outbox") as batch:
        batch.add_column(sa.Column("digest_id", sa.String(80), nullable=True))
        batch.create_index("ix_rm_outbox_digest_id", ["digest_id"])
    outbox = sa.table(
        "rm_outbox",
        sa.column("message_id", sa.String(80)),
        sa.column("year", sa.Integer()),
        sa.column("recipient", sa.String(200)),
        sa.column("delivery", sa.String(16)),
        sa.column("state", sa.String(16)),
        sa.column("next_attempt_at", UTCDateTime()),
        sa.column("digest_id", sa.String(80)),
    )
    conn = op.get_bind()
    waiting = conn.execute(
        sa.select(
            outbox.c.message_id, outbox.c.year, outbox.c.recipient, outbox.c.next_attempt_at
        ).where(outbox.c.delivery == "daily", outbox.c.state == "queued")
    ).all()
    for row in waiting:
        digest = digest_message_id(row.year, row.recipient, row.next_attempt_at)
        conn.execute(
            outbox.update().where(outbox.c.message_id == row.message_id).values(digest_id=digest)
        )


def downgrade() -> None:
    with op.batch_alter_table("rm_outbox") as batch:
        batch.drop_index("ix_rm_outbox_digest_id")
        batch.drop_column("digest_id")
