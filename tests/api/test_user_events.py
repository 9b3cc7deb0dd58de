"""Every user and token change is an event in the store, and the tables follow the events."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.engine import Connection

from domain.actors import Actor
from eventstore import migrate
from eventstore.readmodels.accounts import caught_up
from eventstore.readmodels.accounts_tables import api_tokens, api_users
from eventstore.schema import projection_checkpoints
from eventstore.store import EventStore
from services import users
from services.errors import TokenAlreadyRevoked
from services.users import authenticate

NOW = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
ADMIN = Actor(id="root", role="admin")


@pytest.fixture
def directory(engine: Engine) -> users.Directory:
    return users.Directory(store=EventStore(engine), clock=lambda: NOW)


def recorded(directory: users.Directory) -> list[tuple[str, str, dict[str, object]]]:
    return [(e.type, e.actor, e.data) for e in directory.store.read_stream("users")]


def tables(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(api_users).order_by(api_users.c.name)).all()
        tokens = conn.execute(select(api_tokens).order_by(api_tokens.c.token_id)).all()
    return [tuple(row) for row in rows], [tuple(row) for row in tokens]


def test_each_change_is_an_event_naming_who_made_it_and_never_the_token(
    directory: users.Directory,
) -> None:
    users.add_user(directory, users.AddUser(name="alice", role="nr:MY"), ADMIN)
    first = users.issue_token(directory, users.IssueToken(name="alice"), ADMIN)
    second = users.rotate_token(directory, users.RotateToken(token_id=first.token_id), ADMIN)
    users.revoke_token(directory, users.RevokeToken(token_id=second.token_id), ADMIN)
    users.disable_user(directory, users.DisableUser(name="alice"), ADMIN)
    users.enable_user(directory, users.EnableUser(name="alice"), ADMIN)

    events = recorded(directory)

    assert [(kind, actor) for kind, actor, _ in events] == [
        ("UserAdded", "admin/root"),
        ("TokenIssued", "admin/root"),
        ("TokenIssued", "admin/root"),
        ("TokenRevoked", "admin/root"),
        ("TokenRevoked", "admin/root"),
        ("UserDisabled", "admin/root"),
        ("UserEnabled", "admin/root"),
    ]
    assert events[0][2] == {"name": "alice", "role": "nr:MY"}
    assert events[1][2]["token_id"] == first.token_id
    assert events[1][2]["expires_at"] == "2027-04-20T09:00:00Z"
    assert events[3][2] == {"token_id": first.token_id, "user": "alice"}
    everything = json.dumps([data for _, _, data in events])
    assert first.token not in everything
    assert second.token not in everything


def test_a_change_that_changes_nothing_records_nothing(directory: users.Directory) -> None:
    users.add_user(directory, users.AddUser(name="alice", role="asec"), ADMIN)
    users.disable_user(directory, users.DisableUser(name="alice"), ADMIN)

    again = users.disable_user(directory, users.DisableUser(name="alice"), ADMIN)

    assert again.disabled
    assert [kind for kind, _, _ in recorded(directory)] == ["UserAdded", "UserDisabled"]


def test_a_crash_between_recording_and_applying_is_repaired_by_retrying(
    directory: users.Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.add_user(directory, users.AddUser(name="alice", role="asec"), ADMIN)
    issued = users.issue_token(directory, users.IssueToken(name="alice"), ADMIN)
    revoke = users.RevokeToken(token_id=issued.token_id)

    def crash(_: Engine) -> None:
        raise RuntimeError("the process died here")

    with monkeypatch.context() as patched:
        patched.setattr(users, "catch_up", crash)
        with pytest.raises(RuntimeError):
            users.revoke_token(directory, revoke, ADMIN)
    assert recorded(directory)[-1][0] == "TokenRevoked"
    assert authenticate(directory.engine, issued.token, NOW) is not None  # tables behind

    with pytest.raises(TokenAlreadyRevoked):
        users.revoke_token(directory, revoke, ADMIN)

    assert authenticate(directory.engine, issued.token, NOW) is None
    assert [kind for kind, _, _ in recorded(directory)].count("TokenRevoked") == 1


def test_a_change_overtaken_by_another_is_decided_again_on_top_of_it(
    directory: users.Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.add_user(directory, users.AddUser(name="alice", role="asec"), ADMIN)
    issued = users.issue_token(directory, users.IssueToken(name="alice"), ADMIN)
    other = Actor(id="other-admin", role="admin")
    overtaken: list[bool] = []

    @contextmanager
    def then_another_change(engine: Engine) -> Iterator[tuple[Connection, int]]:
        with caught_up(engine) as decided_on:
            yield decided_on
        if not overtaken:  # after root decided, before root appends
            overtaken.append(True)
            users.disable_user(directory, users.DisableUser(name="alice"), other)

    monkeypatch.setattr(users, "caught_up", then_another_change)
    users.revoke_token(directory, users.RevokeToken(token_id=issued.token_id), ADMIN)

    assert [(kind, actor) for kind, actor, _ in recorded(directory)][2:] == [
        ("UserDisabled", "admin/other-admin"),
        ("TokenRevoked", "admin/root"),
    ]


def test_applying_every_event_again_leaves_the_tables_as_they_were(
    directory: users.Directory,
) -> None:
    users.add_user(directory, users.AddUser(name="alice", role="asec"), ADMIN)
    issued = users.issue_token(directory, users.IssueToken(name="alice"), ADMIN)
    users.revoke_token(directory, users.RevokeToken(token_id=issued.token_id), ADMIN)
    before = tables(directory.engine)

    with directory.engine.begin() as conn:
        conn.execute(update(projection_checkpoints).values(position=0))
    users.list_users(directory, users.ListUsers(), ADMIN)  # catches up first

    assert tables(directory.engine) == before


def test_the_tables_can_be_rebuilt_from_the_events(directory: users.Directory) -> None:
    users.add_user(directory, users.AddUser(name="alice", role="asec"), ADMIN)
    issued = users.issue_token(directory, users.IssueToken(name="alice"), ADMIN)
    users.disable_user(directory, users.DisableUser(name="alice"), ADMIN)
    before = tables(directory.engine)

    with directory.engine.begin() as conn:
        conn.execute(delete(api_tokens))
        conn.execute(delete(api_users))
        conn.execute(delete(projection_checkpoints))
    users.enable_user(directory, users.EnableUser(name="alice"), ADMIN)

    (user,), (token,) = tables(directory.engine)
    assert user[1:4] == before[0][0][1:4]  # name, role, created_at; not the new row id
    assert token[:2] + token[3:] == before[1][0][:2] + before[1][0][3:]  # all but user_id
    assert authenticate(directory.engine, issued.token, NOW) is not None


def test_upgrading_gives_existing_tokens_an_id_and_an_expiry(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0004")
    created = datetime(2026, 12, 1, tzinfo=UTC)
    with empty_engine.begin() as conn:
        conn.execute(
            insert(api_users).values(
                id=1, name="old", role="admin", created_at=created, disabled=False
            )
        )
        # The 0004 shape: no token id, no expiry.
        conn.execute(
            text("INSERT INTO api_tokens (hash, user_id, created_at) VALUES (:h, 1, :c)"),
            {"h": "a" * 64, "c": created.replace(tzinfo=None)},
        )

    migrate.upgrade(empty_engine)
    migrate.check(empty_engine)

    with empty_engine.connect() as conn:
        token_id, expires_at = conn.execute(
            select(api_tokens.c.token_id, api_tokens.c.expires_at)
        ).one()
    assert re.fullmatch(r"tok_[0-9a-f]{12}", token_id)
    # Ninety days from the upgrade, so no existing client loses access when it runs.
    in_ninety_days = datetime.now(UTC) + timedelta(days=90)
    assert abs(expires_at - in_ninety_days) < timedelta(minutes=5)

    migrate.downgrade(empty_engine, "0004")
    migrate.upgrade(empty_engine)
    migrate.check(empty_engine)
