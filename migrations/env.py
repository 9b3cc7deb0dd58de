"""Alembic environment. Run through ``ascn migrate`` (eventstore.migrate), not by hand.

The caller passes an open connection in ``config.attributes["connection"]``, so
the store's own engine settings (WAL, psycopg) apply to migrations too.
"""

from __future__ import annotations

from alembic import context

from eventstore.readmodels import accounts_tables as _api_tables  # noqa: F401  (registers tables)
from eventstore.readmodels import schema as _readmodel_tables  # noqa: F401  (registers tables)
from eventstore.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `ascn migrate --db URL`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
