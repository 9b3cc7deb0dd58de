"""The API's own tables: its users and their bearer tokens (only a token's SHA-256).

They hold what the events of the ``users`` stream say (``eventstore.readmodels.accounts``
applies them), in the shape a request's token lookup needs. They live in the store's
``metadata`` so that ``alembic check`` compares them too; migrations 0003 and 0005 create
them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table

from eventstore.schema import UTCDateTime, metadata

api_users = Table(
    "api_users",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    # The actor id of everything the user does (domain.actors.Actor: at most 150).
    Column("name", String(150), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled", Boolean(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    # Hex SHA-256 of the token. Tokens are 256 random bits, so a plain hash is enough:
    # there is nothing to guess that a salt or a slow hash would protect.
    Column("hash", String(64), primary_key=True),
    # The token's public name: shown, listed, and used to revoke or rotate it.
    Column("token_id", String(16), nullable=False, unique=True),
    Column("user_id", Integer(), ForeignKey("api_users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)
