"""The API's own tables: its users, their bearer tokens and calendar feeds (only each
token's SHA-256), and the answers it gave to requests with an Idempotency-Key.

Users, tokens and feeds hold what the events of the ``users`` stream say
(``eventstore.readmodels.accounts`` applies them), in the shape a request's lookup
needs. They live in the store's ``metadata`` so that ``alembic check`` compares them
too; migrations 0003, 0005 and 0006 create them.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table

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

api_feeds = Table(
    "api_feeds",
    metadata,
    # Hex SHA-256 of the feed token, which is 256 random bits, like a bearer token's.
    Column("hash", String(64), primary_key=True),
    # The feed's public name: listed, and used to revoke it.
    Column("feed_id", String(20), nullable=False, unique=True),
    Column("user_id", Integer(), ForeignKey("api_users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

api_idempotency = Table(
    "api_idempotency",
    metadata,
    # A key belongs to whoever sent it: the same key from two people is two requests.
    Column("actor", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("route", String(300), nullable=False),
    # SHA-256 of the method, the path and the canonical JSON body: what "the same
    # request" means for a retry.
    Column("request_sha256", String(64), nullable=False),
    # Both None while the first request with the key is still being answered.
    Column("status", Integer(), nullable=True),
    Column("answer", JSON(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

web_signin_links = Table(
    "web_signin_links",
    metadata,
    # Hex SHA-256 of the link's token (256 random bits, mailed once, never stored).
    Column("hash", String(64), primary_key=True),
    Column("user_name", String(150), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    # Set once, by the one request that signs in with it: a link works once.
    Column("used_at", UTCDateTime(), nullable=True),
)
"""Sign-in links mailed to people for the web pages (``services.signin``); migration 0013."""
