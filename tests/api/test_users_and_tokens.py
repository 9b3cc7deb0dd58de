"""Users, tokens and their tables, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, inspect, select

from api.tables import api_tokens
from api.users import (
    InvalidUser,
    UnknownUser,
    UserExists,
    authenticate,
    create_user,
    issue_token,
    revoke_token,
    set_disabled,
)
from domain.actors import Actor
from eventstore import migrate

NOW = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)


def test_the_migration_creates_the_tables_the_code_declares(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert {"api_users", "api_tokens"} <= set(inspect(empty_engine).get_table_names())
    migrate.check(empty_engine)  # api.tables is imported: no drift either way

    migrate.downgrade(empty_engine, "0002")
    assert not {"api_users", "api_tokens"} & set(inspect(empty_engine).get_table_names())
    migrate.upgrade(empty_engine)
    migrate.check(empty_engine)


def test_a_token_authenticates_its_user_as_an_actor(engine: Engine) -> None:
    user = create_user(engine, "nr-my", "nr:MY", clock=lambda: NOW)
    token = issue_token(engine, user)

    found = authenticate(engine, token)

    assert found is not None
    assert found.actor == Actor(id="nr-my", role="nr:MY")
    assert found.created_at == NOW


def test_only_the_tokens_sha256_is_stored(engine: Engine) -> None:
    token = issue_token(engine, create_user(engine, "root", "admin"))

    with engine.connect() as conn:
        stored = conn.execute(select(api_tokens.c.hash)).scalars().all()

    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored


def test_unknown_revoked_and_disabled_tokens_do_not_authenticate(engine: Engine) -> None:
    alice = create_user(engine, "alice", "chair_team:SG")
    bob = create_user(engine, "bob", "shepherd:ID")
    revoked, kept, disabled = (
        issue_token(engine, alice),
        issue_token(engine, alice),
        issue_token(engine, bob),
    )

    assert revoke_token(engine, revoked)
    assert not revoke_token(engine, revoked)
    set_disabled(engine, "bob")

    assert authenticate(engine, revoked) is None
    assert authenticate(engine, disabled) is None
    assert authenticate(engine, "not-a-token") is None
    assert authenticate(engine, "") is None
    assert authenticate(engine, "x" * 10_000) is None
    assert authenticate(engine, kept) is not None
    with pytest.raises(UnknownUser):
        set_disabled(engine, "carol")


def test_names_are_unique(engine: Engine) -> None:
    create_user(engine, "alice", "chair_team:SG")

    with pytest.raises(UserExists, match="alice"):
        create_user(engine, "alice", "admin")


@pytest.mark.parametrize(
    ("name", "role", "message"),
    [
        ("alice", "chair", "unknown role 'chair'"),
        ("alice", "nr:my", "unknown role 'nr:my'"),
        ("alice", "nr:ZZ", "unknown member state 'ZZ'"),
        ("engine", "system", "engine's own"),
        (" alice", "admin", "must be printable"),
        ("", "admin", "at least 1 character"),
    ],
)
def test_roles_and_names_follow_the_actor_rules(
    engine: Engine, name: str, role: str, message: str
) -> None:
    with pytest.raises(InvalidUser, match=message):
        create_user(engine, name, role)
