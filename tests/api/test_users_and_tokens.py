"""Users and tokens as application services, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select

from domain.actors import Actor
from domain.errors import NotAuthorised
from eventstore.readmodels.accounts_tables import api_tokens
from eventstore.store import EventStore
from services import users
from services.errors import TokenAlreadyRevoked, UnknownToken, UnknownUser, UserExists
from services.users import authenticate

NOW = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
ADMIN = Actor(id="root", role="admin")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory(engine: Engine, clock: Clock) -> users.Directory:
    return users.Directory(store=EventStore(engine), clock=clock, token_ttl=timedelta(days=30))


def add(directory: users.Directory, name: str, role: str = "nr:MY") -> users.IssuedToken:
    users.add_user(directory, users.AddUser(name=name, role=role), ADMIN)
    return users.issue_token(directory, users.IssueToken(name=name), ADMIN)


def test_a_token_authenticates_its_user_as_an_actor(directory: users.Directory) -> None:
    issued = add(directory, "nr-my")

    found = authenticate(directory.engine, issued.token, NOW)

    assert found is not None
    assert found.actor == Actor(id="nr-my", role="nr:MY")
    assert found.created_at == NOW


def test_a_token_has_a_public_id_and_expires_after_the_configured_days(
    directory: users.Directory,
) -> None:
    issued = add(directory, "nr-my")

    assert re.fullmatch(r"tok_[0-9a-f]{12}", issued.token_id)
    assert issued.expires_at == NOW + timedelta(days=30)
    assert issued.token not in repr(issued)
    assert authenticate(directory.engine, issued.token, issued.expires_at - timedelta(seconds=1))
    assert authenticate(directory.engine, issued.token, issued.expires_at) is None


def test_only_the_tokens_sha256_is_stored(directory: users.Directory) -> None:
    token = add(directory, "root", "admin").token

    with directory.engine.connect() as conn:
        stored = conn.execute(select(api_tokens.c.hash)).scalars().all()

    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_revoked_tokens_and_disabled_users_do_not_authenticate(
    directory: users.Directory,
) -> None:
    revoked, kept = add(directory, "alice", "asec"), add(directory, "bob", "admin")
    users.revoke_token(directory, users.RevokeToken(token_id=revoked.token_id), ADMIN)
    disabled = users.disable_user(directory, users.DisableUser(name="bob"), ADMIN)

    assert disabled.disabled
    assert authenticate(directory.engine, revoked.token, NOW) is None
    assert authenticate(directory.engine, kept.token, NOW) is None
    assert authenticate(directory.engine, "not-a-token", NOW) is None
    assert authenticate(directory.engine, "x" * 10_000, NOW) is None
    users.enable_user(directory, users.EnableUser(name="bob"), ADMIN)
    assert authenticate(directory.engine, kept.token, NOW) is not None


def test_revoking_twice_or_an_unknown_token_is_refused(directory: users.Directory) -> None:
    issued = add(directory, "alice")
    revoke = users.RevokeToken(token_id=issued.token_id)

    revoked = users.revoke_token(directory, revoke, ADMIN)

    assert revoked.revoked_at == NOW
    with pytest.raises(TokenAlreadyRevoked, match=f"{issued.token_id} of alice was already"):
        users.revoke_token(directory, revoke, ADMIN)
    with pytest.raises(UnknownToken, match="tok_000000000000"):
        users.revoke_token(directory, users.RevokeToken(token_id="tok_000000000000"), ADMIN)


def test_rotating_issues_a_new_token_to_the_same_user_and_revokes_the_old(
    directory: users.Directory, clock: Clock
) -> None:
    old = add(directory, "alice", "asec")
    clock.now = NOW + timedelta(days=29)

    new = users.rotate_token(directory, users.RotateToken(token_id=old.token_id), ADMIN)

    assert (new.name, new.role) == ("alice", "asec")
    assert new.token_id != old.token_id
    assert new.expires_at == clock.now + timedelta(days=30)
    assert authenticate(directory.engine, old.token, clock.now) is None
    assert authenticate(directory.engine, new.token, clock.now) is not None
    with pytest.raises(TokenAlreadyRevoked):
        users.rotate_token(directory, users.RotateToken(token_id=old.token_id), ADMIN)


def test_the_list_shows_each_tokens_id_and_times_never_the_token(
    directory: users.Directory,
) -> None:
    first, second = add(directory, "bob", "admin"), add(directory, "alice")
    users.revoke_token(directory, users.RevokeToken(token_id=first.token_id), ADMIN)

    listed = users.list_users(directory, users.ListUsers(), ADMIN)

    assert [(user.name, user.role, user.disabled) for user in listed] == [
        ("alice", "nr:MY", False),
        ("bob", "admin", False),
    ]
    (bobs,) = listed[1].tokens
    assert (bobs.token_id, bobs.created_at, bobs.revoked_at) == (first.token_id, NOW, NOW)
    assert listed[0].tokens[0].expires_at == second.expires_at
    assert first.token not in repr(listed)
    assert hashlib.sha256(first.token.encode()).hexdigest() not in repr(listed)


def test_names_are_unique_and_unknown_names_are_named(directory: users.Directory) -> None:
    add(directory, "alice")

    with pytest.raises(UserExists, match="'alice' already exists"):
        users.add_user(directory, users.AddUser(name="alice", role="admin"), ADMIN)
    with pytest.raises(UnknownUser, match="no user named 'carol'"):
        users.disable_user(directory, users.DisableUser(name="carol"), ADMIN)
    with pytest.raises(UnknownUser, match="no user named 'carol'"):
        users.issue_token(directory, users.IssueToken(name="carol"), ADMIN)


@pytest.mark.parametrize("name", ["a/b", "Alice", "-alice", ".x", "al ice", "x" * 65, "", "é"])
def test_a_name_that_is_not_a_slug_is_refused_naming_the_field_and_rule(name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        users.AddUser(name=name, role="admin")

    (problem,) = raised.value.errors()
    assert problem["loc"] == ("name",)
    assert "^[a-z0-9][a-z0-9._-]{0,63}$" in problem["msg"]


@pytest.mark.parametrize("name", ["nr-my", "a.b_c-1", "0", "x" * 64])
def test_a_slug_is_a_valid_name(name: str) -> None:
    assert users.AddUser(name=name, role="admin").name == name


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("chair", "unknown role 'chair'"),
        ("nr:my", "unknown role 'nr:my'"),
        ("nr:ZZ", "unknown member state 'ZZ'"),
        ("system", "engine's own"),
    ],
)
def test_roles_follow_the_actor_rules(role: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        users.AddUser(name="alice", role=role)


def test_only_an_admin_manages_users_and_tokens(directory: users.Directory) -> None:
    issued = add(directory, "alice")
    shepherd = Actor.shepherd("SG", "sam")
    token_id = issued.token_id
    attempts: list[Callable[[], object]] = [
        lambda: users.add_user(directory, users.AddUser(name="eve", role="admin"), shepherd),
        lambda: users.list_users(directory, users.ListUsers(), shepherd),
        lambda: users.disable_user(directory, users.DisableUser(name="alice"), shepherd),
        lambda: users.enable_user(directory, users.EnableUser(name="alice"), shepherd),
        lambda: users.issue_token(directory, users.IssueToken(name="alice"), shepherd),
        lambda: users.revoke_token(directory, users.RevokeToken(token_id=token_id), shepherd),
        lambda: users.rotate_token(directory, users.RotateToken(token_id=token_id), shepherd),
    ]  # fmt: skip

    for attempt in attempts:
        with pytest.raises(NotAuthorised, match="shepherd:SG/sam may not manage users"):
            attempt()
    assert authenticate(directory.engine, issued.token, NOW) is not None
