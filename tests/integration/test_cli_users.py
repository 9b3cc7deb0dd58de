"""`ascn users`: the local operator manages API users and tokens, each change an event."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.integration.test_cli import ascn, assert_one_line_error

TOKEN_ID = re.compile(r"tok_[0-9a-f]{12}")


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    assert ascn("migrate", "--db", url, cwd=tmp_path).returncode == 0
    return url


def users(db: str, cwd: Path, *args: str) -> list[str]:
    result = ascn("users", *args, "--db", db, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_an_operator_adds_lists_rotates_revokes_and_disables(db: str, tmp_path: Path) -> None:
    added = users(db, tmp_path, "add", "nr-th", "--role", "nr:TH")
    first_id, first = TOKEN_ID.findall(added[1])[0], added[-1]
    second = users(db, tmp_path, "token", "nr-th")
    second_id = TOKEN_ID.findall(second[0])[0]
    rotated = users(db, tmp_path, "rotate", second_id)
    revoked = users(db, tmp_path, "revoke", first_id)
    disabled = users(db, tmp_path, "disable", "nr-th")
    listed = "\n".join(users(db, tmp_path, "list"))

    assert added[0] == "user nr-th (nr:TH) added"
    assert re.match(r"token tok_\w+ for nr-th, expires \d{4}-\d\d-\d\d \d\d:\d\d UTC", added[1])
    assert rotated[0] == f"token {second_id} revoked; its replacement:"
    assert revoked == [f"token {first_id} of nr-th revoked"]
    assert disabled == ["user nr-th (nr:TH) is disabled"]
    assert first_id in listed
    assert second_id in listed
    assert "live" in listed
    assert first not in listed

    exported = ascn("events", "export", "--db", db, "--stream", "users", cwd=tmp_path).stdout
    events = [json.loads(line) for line in exported.splitlines()]
    assert [e["type"] for e in events] == [
        "UserAdded", "TokenIssued", "TokenIssued", "TokenIssued", "TokenRevoked",
        "TokenRevoked", "UserDisabled",
    ]  # fmt: skip
    assert {e["actor"].partition("/")[0] for e in events} == {"admin"}
    assert all(e["actor"].startswith("admin/operator") for e in events)
    assert first not in exported


def test_a_name_that_is_not_a_slug_is_one_line_naming_the_rule(db: str, tmp_path: Path) -> None:
    result = ascn("users", "add", "a/b", "--role", "admin", "--db", db, cwd=tmp_path)

    assert_one_line_error(result, "name", "'a/b' is not a valid user name", "^[a-z0-9]")


def test_an_unknown_or_revoked_token_is_one_line(db: str, tmp_path: Path) -> None:
    issued = users(db, tmp_path, "add", "sam", "--role", "shepherd:SG")
    token_id = TOKEN_ID.findall(issued[1])[0]
    users(db, tmp_path, "revoke", token_id)

    again = ascn("users", "revoke", token_id, "--db", db, cwd=tmp_path)
    unknown = ascn("users", "rotate", "tok_000000000000", "--db", db, cwd=tmp_path)

    assert_one_line_error(again, f"token {token_id} of sam was already revoked")
    assert_one_line_error(unknown, "no token with id 'tok_000000000000'")
