"""Users and their tokens: one function per use case, each for an admin only.

Each takes a typed command and the acting user, asks the access policy first, and returns a
typed result or raises a domain error (``services.errors``, NotAuthorised).

Every change is an event in the ``users`` stream, naming who made it; the tables
``api_users`` and ``api_tokens`` follow the stream (``eventstore.readmodels.accounts``).
They cannot be written in one transaction with the events: ``EventStore.append`` runs a
transaction of its own on a driver connection of its own (``eventstore/appender.py``), which
cannot join ours. So a change goes in three steps:

1. decide, against the tables with every recorded event applied (``caught_up``);
2. append the events, expecting the stream at the version those tables show. Their ids
   derive from that version, the actor and the event, so one decision is never recorded
   twice; if another change got in first, the append fails and we decide again;
3. apply them to the tables, advancing a checkpoint in the same transaction, so that no
   event is ever applied twice.

A crash between 2 and 3 leaves the tables behind the stream (a revoked token would still
work) until the next users command, which first applies what is missing: simply retrying the
command repairs the tables, then finds the change made (disabling twice is a no-op, a second
revoke is "already revoked", a second add "already exists").
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from domain.access import Action, authorize
from domain.actors import Actor
from domain.events import (
    DomainEvent,
    TokenIssued,
    TokenRevoked,
    UserAdded,
    UserDisabled,
    UserEnabled,
)
from domain.events.users import USERS_STREAM, TokenId
from domain.users import KnownName, Role, UserName
from eventstore.codec import to_new_event
from eventstore.errors import ConcurrencyError, EventIdConflict
from eventstore.hashing import canonical_json
from eventstore.readmodels.accounts import TokenInfo as TokenInfo
from eventstore.readmodels.accounts import User as User
from eventstore.readmodels.accounts import UserInfo as UserInfo
from eventstore.readmodels.accounts import (
    all_users,
    catch_up,
    caught_up,
    find_token,
    find_user,
    live_user,
    token_hash,
)
from eventstore.store import EventStore, utc_now
from services.errors import TokenAlreadyRevoked, UnknownToken, UnknownUser, UserError, UserExists

Clock = Callable[[], datetime]
DEFAULT_TOKEN_TTL = timedelta(days=90)
ATTEMPTS = 5
"""Decisions in a row that another change may overtake before we give up."""
_EVENT_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ascn:users")


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AddUser(_Command):
    name: UserName
    role: Role


class ListUsers(_Command):
    pass


class DisableUser(_Command):
    name: KnownName


class EnableUser(_Command):
    name: KnownName


class IssueToken(_Command):
    name: KnownName


class RevokeToken(_Command):
    token_id: TokenId


class RotateToken(_Command):
    """Issue a new token to the same user and revoke this one, in one step."""

    token_id: TokenId


class IssuedToken(BaseModel):
    """A new token, in plain this once: only its SHA-256 is kept."""

    model_config = ConfigDict(frozen=True)

    token_id: str
    name: str
    role: str
    expires_at: datetime
    token: str = Field(repr=False)


@dataclass(frozen=True)
class Directory:
    """What the use cases need: the store (its engine holds the tables), a clock, and
    how long a new token lives."""

    store: EventStore
    token_ttl: timedelta = DEFAULT_TOKEN_TTL
    clock: Clock = utc_now

    @property
    def engine(self) -> Engine:
        return self.store.engine


Decide = Callable[[Connection], Sequence[DomainEvent]]


def add_user(directory: Directory, command: AddUser, actor: Actor) -> UserInfo:
    authorize(actor, Action.MANAGE_USERS)

    def decide(conn: Connection) -> list[DomainEvent]:
        if find_user(conn, command.name) is not None:
            raise UserExists(f"a user named {command.name!r} already exists")
        return [UserAdded(name=command.name, role=command.role)]

    record(directory, actor, decide)
    return _user(directory, command.name)


def list_users(directory: Directory, _: ListUsers, actor: Actor) -> tuple[UserInfo, ...]:
    """Every user with their tokens' ids and times (never the tokens)."""
    authorize(actor, Action.MANAGE_USERS)
    # A read only reads: what the tables show (a change whose events a crash left
    # unapplied shows once the next users command has applied them).
    with directory.engine.connect() as conn:
        return tuple(all_users(conn))


def disable_user(directory: Directory, command: DisableUser, actor: Actor) -> UserInfo:
    """The user's tokens stop working (they are kept, and work again once enabled)."""
    return _set_disabled(directory, command.name, actor, disabled=True)


def enable_user(directory: Directory, command: EnableUser, actor: Actor) -> UserInfo:
    return _set_disabled(directory, command.name, actor, disabled=False)


def issue_token(directory: Directory, command: IssueToken, actor: Actor) -> IssuedToken:
    authorize(actor, Action.MANAGE_USERS)
    token, issued = _new_token(directory)

    def decide(conn: Connection) -> list[DomainEvent]:
        return [issued(_known_user(conn, command.name).name)]

    return _issued(directory, actor, decide, token)


def revoke_token(directory: Directory, command: RevokeToken, actor: Actor) -> TokenInfo:
    authorize(actor, Action.MANAGE_USERS)

    def decide(conn: Connection) -> list[DomainEvent]:
        old = _live_token(conn, command.token_id)
        return [TokenRevoked(token_id=old.token_id, user=old.user)]

    record(directory, actor, decide)
    with directory.engine.connect() as conn:
        return _known_token(conn, command.token_id)


def rotate_token(directory: Directory, command: RotateToken, actor: Actor) -> IssuedToken:
    authorize(actor, Action.MANAGE_USERS)
    token, issued = _new_token(directory)

    def decide(conn: Connection) -> list[DomainEvent]:
        old = _live_token(conn, command.token_id)
        return [issued(old.user), TokenRevoked(token_id=old.token_id, user=old.user)]

    return _issued(directory, actor, decide, token)


def authenticate(engine: Engine, token: str, now: datetime) -> User | None:
    """The user of a live token (known, not revoked, not expired, user not disabled)."""
    return live_user(engine, token, now)


def _set_disabled(directory: Directory, name: str, actor: Actor, *, disabled: bool) -> UserInfo:
    authorize(actor, Action.MANAGE_USERS)

    def decide(conn: Connection) -> list[DomainEvent]:
        user = _known_user(conn, name)
        if user.disabled == disabled:
            return []  # nothing changes, so nothing is recorded
        return [UserDisabled(name=user.name) if disabled else UserEnabled(name=user.name)]

    record(directory, actor, decide)
    return _user(directory, name)


def _new_token(directory: Directory) -> tuple[str, Callable[[str], TokenIssued]]:
    """A token, and the event that issues it to a user. Drawn once per command, so a
    decision taken again after a conflict issues the same token."""
    token = secrets.token_urlsafe(32)
    token_id = f"tok_{secrets.token_hex(6)}"
    expires_at = directory.clock() + directory.token_ttl

    def issued(user: str) -> TokenIssued:
        return TokenIssued(
            token_id=token_id, user=user, expires_at=expires_at, token_sha256=token_hash(token)
        )

    return token, issued


def _issued(directory: Directory, actor: Actor, decide: Decide, token: str) -> IssuedToken:
    issued = record(directory, actor, decide)[0]
    assert isinstance(issued, TokenIssued)
    user = _user(directory, issued.user)
    return IssuedToken(
        token_id=issued.token_id, name=user.name, role=user.role,
        expires_at=issued.expires_at, token=token,
    )  # fmt: skip


def record(directory: Directory, actor: Actor, decide: Decide) -> Sequence[DomainEvent]:
    """Decide, append, apply (see the module's docstring); the events recorded."""
    occurred_at = directory.clock()
    for _ in range(ATTEMPTS):
        with caught_up(directory.engine) as (conn, version):
            changes = decide(conn)
        if not changes:
            return changes
        new_events = [
            to_new_event(
                change,
                event_id=_event_id(version + n, actor, change),
                occurred_at=occurred_at,
                actor=actor,
            )
            for n, change in enumerate(changes, start=1)
        ]
        try:
            directory.store.append(USERS_STREAM, new_events, expected_version=version)
        except (ConcurrencyError, EventIdConflict):
            continue  # another change got in first: decide again on the tables it left
        catch_up(directory.engine)
        return changes
    raise UserError(f"users kept changing while this was decided ({ATTEMPTS} times); try again")


def _event_id(version: int, actor: Actor, event: DomainEvent) -> uuid.UUID:
    data = canonical_json(event.model_dump(mode="json"))
    return uuid.uuid5(_EVENT_IDS, f"{version}|{actor.label}|{event.event_type}|{data}")


def _user(directory: Directory, name: str) -> UserInfo:
    with directory.engine.connect() as conn:
        return _known_user(conn, name)


def _known_user(conn: Connection, name: str) -> UserInfo:
    user = find_user(conn, name)
    if user is None:
        raise UnknownUser(f"no user named {name!r}")
    return user


def _known_token(conn: Connection, token_id: str) -> TokenInfo:
    token = find_token(conn, token_id)
    if token is None:
        raise UnknownToken(f"no token with id {token_id!r}")
    return token


def _live_token(conn: Connection, token_id: str) -> TokenInfo:
    token = _known_token(conn, token_id)
    if token.revoked_at is not None:
        raise TokenAlreadyRevoked(
            f"token {token_id} of {token.user} was already revoked at "
            f"{token.revoked_at.isoformat()}"
        )
    return token
