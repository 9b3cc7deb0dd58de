"""API users and their bearer tokens.

A user acts as ``Actor(id=name, role=role)``: the name is the actor id every fact
they cause carries. A token is ``secrets.token_urlsafe(32)``, shown once; only its
SHA-256 is stored, so a leaked table does not leak a usable token.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from api.tables import api_tokens, api_users
from domain.actors import Actor
from domain.errors import UnknownMemberState
from domain.reference import ReferenceData
from domain.values import describe
from eventstore.engine import WRITE_OPTION

Clock = Callable[[], datetime]
MAX_TOKEN_LENGTH = 200
"""Longer bearer values are refused without a query (ours are 43 characters)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class UserError(Exception):
    """A request about users that cannot be done; the message says why."""


class InvalidUser(UserError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
        """``name`` or ``role``: the one at fault."""


class UserExists(UserError):
    pass


class UnknownUser(UserError):
    pass


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    role: str
    created_at: datetime
    disabled: bool

    @property
    def actor(self) -> Actor:
        return Actor(id=self.name, role=self.role)


def check_user(name: str, role: str) -> Actor:
    """The actor a user would be, by the domain's rules for actors.

    ``system`` is the engine's own role: no person signs in as the engine. An NR's
    member state must be in the reference data.
    """
    if role == "system":
        raise InvalidUser(
            "role 'system' is the engine's own; people act as shepherd, chair_team, "
            "admin or nr:<AMS>",
            field="role",
        )
    try:
        actor = Actor(id=name, role=role)
    except ValidationError as error:
        where = str(error.errors()[0]["loc"][0])
        message = describe(error).removeprefix(f"{where}: ")
        raise InvalidUser(message, field="name" if where == "id" else "role") from None
    if actor.member_state is not None:
        try:
            ReferenceData.load().member_state(actor.member_state)
        except UnknownMemberState as error:
            raise InvalidUser(str(error), field="role") from None
    return actor


def create_user(engine: Engine, name: str, role: str, *, clock: Clock = utc_now) -> User:
    check_user(name, role)
    values: dict[str, Any] = {"name": name, "role": role, "created_at": clock(), "disabled": False}
    try:
        with _writing(engine) as conn:
            key = conn.execute(insert(api_users).values(**values)).inserted_primary_key
    except IntegrityError:
        raise UserExists(f"a user named {name!r} already exists") from None
    assert key is not None
    return User(id=int(key[0]), **values)


def find_user(engine: Engine, name: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(api_users).where(api_users.c.name == name)).first()
    return None if row is None else _user(row)


def issue_token(engine: Engine, user: User, *, clock: Clock = utc_now) -> str:
    """A new token for ``user``, returned in plain this once."""
    token = secrets.token_urlsafe(32)
    with _writing(engine) as conn:
        conn.execute(
            insert(api_tokens).values(
                hash=token_hash(token), user_id=user.id, created_at=clock(), revoked_at=None
            )
        )
    return token


def authenticate(engine: Engine, token: str) -> User | None:
    """The user of a live token: known, not revoked, its user not disabled."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    query = (
        select(api_users)
        .join(api_tokens, api_tokens.c.user_id == api_users.c.id)
        .where(
            api_tokens.c.hash == token_hash(token),
            api_tokens.c.revoked_at.is_(None),
            api_users.c.disabled.is_(False),
        )
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else _user(row)


def revoke_token(engine: Engine, token: str, *, clock: Clock = utc_now) -> bool:
    """Revoke a token; False if it was unknown or already revoked."""
    with _writing(engine) as conn:
        changed = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.hash == token_hash(token), api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=clock())
        ).rowcount
    return bool(changed)


def set_disabled(engine: Engine, name: str, disabled: bool = True) -> None:
    """Disable (or enable again) a user; their tokens stop (or start) working."""
    with _writing(engine) as conn:
        changed = conn.execute(
            update(api_users).where(api_users.c.name == name).values(disabled=disabled)
        ).rowcount
    if not changed:
        raise UnknownUser(f"no user named {name!r}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id, name=row.name, role=row.role, created_at=row.created_at, disabled=row.disabled
    )


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite, as the store writes)."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn
