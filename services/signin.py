"""Signing in to the web pages by a link mailed to the person, then a session.

* ``request_link``: a link for a user on record and enabled, valid ``LINK_TTL`` (15
  minutes), at most ``LIVE_LINKS_PER_USER`` unused ones at a time. Its token is 256
  random bits; only its SHA-256 is kept (``web_signin_links``). Nobody learns from
  the answer whether a user exists.
* ``redeem_link``: the link works once. One UPDATE marks it used only if it is unused
  and unexpired, so two clicks racing get one session. The session is a token of the
  users model: ``TokenIssued`` in the ``users`` stream, recorded by the person signing
  in, expiring after the session's lifetime. It is looked up as any bearer token
  (revoked, expired, user disabled: no session).
* ``sign_out``: ``TokenRevoked`` for the session's token, recorded by its owner.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from domain.actors import Actor
from domain.events import DomainEvent, TokenIssued, TokenRevoked
from eventstore.engine import WRITE_OPTION
from eventstore.readmodels.accounts import User, find_user, live_user, token_hash
from eventstore.readmodels.accounts_tables import api_tokens, web_signin_links
from services.errors import UserError
from services.users import Directory, record

LINK_TTL = timedelta(minutes=15)
LIVE_LINKS_PER_USER = 5
"""At most this many unused links per user within ``LINK_TTL``: more requests mail
nothing, so the form cannot be used to flood a person's mailbox."""
DEFAULT_SESSION_TTL = timedelta(hours=8)
MAX_LINK_TOKEN_LENGTH = 200


class SignInRefused(UserError):
    """A link that is unknown, used or expired, or whose user is disabled."""


class SignInLink(BaseModel):
    """A new link's token, in plain this once, and whom to mail it to."""

    model_config = ConfigDict(frozen=True)

    user: str
    role: str
    expires_at: datetime
    token: str = Field(repr=False)


class Session(BaseModel):
    model_config = ConfigDict(frozen=True)

    user: str
    role: str
    token_id: str
    expires_at: datetime
    token: str = Field(repr=False)


def request_link(directory: Directory, name: str) -> SignInLink | None:
    """A sign-in link for ``name``, or None if no enabled user has that name or they
    already have ``LIVE_LINKS_PER_USER`` unused links."""
    if not name or len(name) > 150:
        return None
    with directory.engine.connect() as conn:
        user = find_user(conn, name)
    if user is None or user.disabled:
        return None
    token = secrets.token_urlsafe(32)
    now = directory.clock()
    with directory.engine.begin() as conn:
        live = conn.execute(
            select(func.count())
            .select_from(web_signin_links)
            .where(
                web_signin_links.c.user_name == user.name,
                web_signin_links.c.used_at.is_(None),
                web_signin_links.c.expires_at > now,
            )
        ).scalar_one()
        if live >= LIVE_LINKS_PER_USER:
            return None
        conn.execute(
            insert(web_signin_links).values(
                hash=token_hash(token),
                user_name=user.name,
                created_at=now,
                expires_at=now + LINK_TTL,
                used_at=None,
            )
        )
    return SignInLink(user=user.name, role=user.role, expires_at=now + LINK_TTL, token=token)


def redeem_link(
    directory: Directory, token: str, session_ttl: timedelta = DEFAULT_SESSION_TTL
) -> Session:
    """Use the link once and open a session for its user."""
    refused = SignInRefused(
        "this sign-in link is unknown, already used or expired; ask for a new one"
    )
    if not token or len(token) > MAX_LINK_TOKEN_LENGTH:
        raise refused
    now = directory.clock()
    digest = token_hash(token)
    with directory.engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            used = conn.execute(
                update(web_signin_links)
                .where(
                    web_signin_links.c.hash == digest,
                    web_signin_links.c.used_at.is_(None),
                    web_signin_links.c.expires_at > now,
                )
                .values(used_at=now)
            )
            name = conn.execute(
                select(web_signin_links.c.user_name).where(web_signin_links.c.hash == digest)
            ).scalar()
    if used.rowcount != 1 or name is None:
        raise refused
    with directory.engine.connect() as conn:
        user = find_user(conn, name)
    if user is None or user.disabled:
        raise refused
    session = secrets.token_urlsafe(32)
    token_id = f"tok_{secrets.token_hex(6)}"
    expires_at = now + session_ttl

    def decide(_: Connection) -> list[DomainEvent]:
        return [
            TokenIssued(
                token_id=token_id,
                user=user.name,
                expires_at=expires_at,
                token_sha256=token_hash(session),
            )
        ]

    record(directory, user.actor, decide)
    return Session(
        user=user.name, role=user.role, token_id=token_id, expires_at=expires_at, token=session
    )


def session_user(directory: Directory, token: str) -> User | None:
    """The user of a live session (any live token of the users model)."""
    return live_user(directory.engine, token, directory.clock())


def sign_out(directory: Directory, token: str) -> bool:
    """End the session of ``token``; False if it was not live."""
    user = session_user(directory, token)
    if user is None:
        return False
    with directory.engine.connect() as conn:
        token_id = conn.execute(
            select(api_tokens.c.token_id).where(api_tokens.c.hash == token_hash(token))
        ).scalar()
    if token_id is None:
        return False
    actor: Actor = user.actor

    def decide(_: Connection) -> list[DomainEvent]:
        return [TokenRevoked(token_id=token_id, user=user.name)]

    record(directory, actor, decide)
    return True
