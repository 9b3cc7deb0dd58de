"""The users tables: what the ``users`` stream says, in the shape a token lookup needs.

``services.users`` decides and records every change as an event; this module applies
those events to ``api_users`` and ``api_tokens`` and reads the tables back. Each
catch-up applies the events after a checkpoint and advances it in one transaction,
so every event changes the tables exactly once, whatever crashes in between.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Row

from domain.actors import Actor
from domain.events import (
    DomainEvent,
    FeedIssued,
    FeedRevoked,
    TokenIssued,
    TokenRevoked,
    UserAdded,
    UserDisabled,
    UserEnabled,
)
from domain.events.users import USERS_STREAM
from eventstore.codec import to_domain
from eventstore.engine import WRITE_OPTION, is_postgresql
from eventstore.readmodels.accounts_tables import api_feeds, api_tokens, api_users
from eventstore.readmodels.feeds import apply_feed
from eventstore.schema import events, projection_checkpoints
from eventstore.store import to_recorded

CHECKPOINT = "api_users"
"""The projection_checkpoints row: the global position of the last event applied."""
MAX_TOKEN_LENGTH = 200
"""Longer bearer values are refused without a query (ours are 43 characters)."""


class User(BaseModel):
    """A user as a request's token lookup finds them."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: str
    created_at: datetime
    disabled: bool

    @property
    def actor(self) -> Actor:
        return Actor(id=self.name, role=self.role)


class TokenInfo(BaseModel):
    """A token as it is listed: never the token itself."""

    model_config = ConfigDict(frozen=True)

    token_id: str
    user: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class UserInfo(User):
    tokens: tuple[TokenInfo, ...] = ()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def live_user(engine: Engine, token: str, now: datetime) -> User | None:
    """The user of a live token: known, not revoked, not expired, its user not disabled."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    query = (
        select(api_users)
        .join(api_tokens, api_tokens.c.user_id == api_users.c.id)
        .where(
            api_tokens.c.hash == token_hash(token),
            api_tokens.c.revoked_at.is_(None),
            api_tokens.c.expires_at > now,
            api_users.c.disabled.is_(False),
        )
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else _user(row)


def find_user(conn: Connection, name: str) -> UserInfo | None:
    row = conn.execute(select(api_users).where(api_users.c.name == name)).first()
    return None if row is None else _with_tokens(conn, [row])[0]


def find_token(conn: Connection, token_id: str) -> TokenInfo | None:
    row = conn.execute(_tokens().where(api_tokens.c.token_id == token_id)).first()
    return None if row is None else _token(row)


def all_users(conn: Connection) -> list[UserInfo]:
    return _with_tokens(conn, list(conn.execute(select(api_users).order_by(api_users.c.name))))


@contextmanager
def caught_up(engine: Engine) -> Iterator[tuple[Connection, int]]:
    """The tables with every recorded event applied, and the stream version they show.

    The transaction holds the checkpoint (the write lock on SQLite, the row's lock on
    PostgreSQL) until the block ends, so the tables cannot move while a caller decides.
    It commits even when the block raises (a refusal): the block only reads, and what
    was applied stays applied.
    """
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        transaction = conn.begin()
        try:
            yield conn, _apply_recorded(conn)
        finally:
            if transaction.is_active:
                transaction.commit()


def _apply_recorded(conn: Connection) -> int:
    position = _lock_checkpoint(conn)
    query = (
        select(events)
        .where(events.c.stream_id == USERS_STREAM, events.c.position > position)
        .order_by(events.c.position)
    )
    for recorded in [to_recorded(row) for row in conn.execute(query)]:
        apply(conn, to_domain(recorded), recorded.occurred_at)
        position = recorded.position
    conn.execute(
        update(projection_checkpoints)
        .where(projection_checkpoints.c.name == CHECKPOINT)
        .values(position=position, updated_at=datetime.now(UTC))
    )
    # The version of the last event up to the checkpoint: on PostgreSQL a later append
    # may already be visible, and it is not applied yet.
    version = conn.execute(
        select(func.max(events.c.version)).where(
            events.c.stream_id == USERS_STREAM, events.c.position <= position
        )
    ).scalar()
    return int(version or 0)


def rebuild(engine: Engine) -> int:
    """The users tables emptied and every event of the users stream applied again, in one
    transaction (the stream is short): until it commits, token lookups see the old
    tables, and killed before, nothing changed. Returns the stream version applied."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            _lock_checkpoint(conn)
            for table in (api_feeds, api_tokens, api_users):  # the tokens and feeds first
                conn.execute(delete(table))
            conn.execute(
                update(projection_checkpoints)
                .where(projection_checkpoints.c.name == CHECKPOINT)
                .values(position=0, updated_at=datetime.now(UTC))
            )
            return _apply_recorded(conn)


def catch_up(engine: Engine) -> None:
    with caught_up(engine):
        pass


def apply(conn: Connection, event: DomainEvent, occurred_at: datetime) -> None:
    """One event's change. Each is also harmless applied twice (an insert that finds its
    row changes nothing), should a checkpoint ever be reset to rebuild the tables."""
    if isinstance(event, UserAdded):
        if _user_id(conn, event.name) is None:
            values = {"name": event.name, "role": event.role, "disabled": False}
            conn.execute(insert(api_users).values(created_at=occurred_at, **values))
    elif isinstance(event, UserDisabled | UserEnabled):
        disabled = isinstance(event, UserDisabled)
        conn.execute(
            update(api_users).where(api_users.c.name == event.name).values(disabled=disabled)
        )
    elif isinstance(event, TokenIssued):
        if find_token(conn, event.token_id) is None:
            conn.execute(
                insert(api_tokens).values(
                    hash=event.token_sha256, token_id=event.token_id,
                    user_id=_user_id(conn, event.user), created_at=occurred_at,
                    expires_at=event.expires_at, revoked_at=None,
                )
            )  # fmt: skip
    elif isinstance(event, TokenRevoked):
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.token_id == event.token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=occurred_at)
        )
    elif isinstance(event, FeedIssued | FeedRevoked):
        apply_feed(conn, event, occurred_at)


def _lock_checkpoint(conn: Connection) -> int:
    # As eventstore.projections does for its read models.
    values = {"name": CHECKPOINT, "position": 0, "updated_at": datetime.now(UTC)}
    dialect_insert: Callable[[Any], Any] = pg_insert if is_postgresql(conn) else sqlite_insert
    conn.execute(dialect_insert(projection_checkpoints).values(**values).on_conflict_do_nothing())
    query = select(projection_checkpoints.c.position).where(
        projection_checkpoints.c.name == CHECKPOINT
    )
    if is_postgresql(conn):
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def _user_id(conn: Connection, name: str) -> int | None:
    found = conn.execute(select(api_users.c.id).where(api_users.c.name == name)).scalar()
    return None if found is None else int(found)


def _tokens() -> Any:
    return select(api_tokens, api_users.c.name.label("user")).join(
        api_users, api_users.c.id == api_tokens.c.user_id
    )


def _with_tokens(conn: Connection, rows: list[Row[Any]]) -> list[UserInfo]:
    ids = [row.id for row in rows]
    tokens: dict[str, list[TokenInfo]] = {}
    query = (
        _tokens()
        .where(api_tokens.c.user_id.in_(ids))
        .order_by(api_tokens.c.created_at, api_tokens.c.token_id)
    )
    for token in conn.execute(query):
        tokens.setdefault(token.user, []).append(_token(token))
    return [
        UserInfo(**_user(row).model_dump(), tokens=tuple(tokens.get(row.name, ()))) for row in rows
    ]


def _user(row: Row[Any]) -> User:
    return User(name=row.name, role=row.role, created_at=row.created_at, disabled=row.disabled)


def _token(row: Row[Any]) -> TokenInfo:
    return TokenInfo(
        token_id=row.token_id, user=row.user, created_at=row.created_at,
        expires_at=row.expires_at, revoked_at=row.revoked_at,
    )  # fmt: skip
