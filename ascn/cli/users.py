"""API users and their tokens: operator commands on the local store, via services.users.

Whoever can run these can read the database anyway, so they act as an admin: the
``OPERATOR``, named after the local account, which every change's event records.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

import typer

from ascn.bootstrap import services
from ascn.cli.common import DbOption, group, load, out
from domain.actors import Actor
from eventstore.store import utc_now
from services import users
from services.users import Directory, IssuedToken, TokenInfo, UserInfo

users_app = group("API users and their tokens (acting as the local operator, an admin).")

NameArgument = Annotated[str, typer.Argument(help="The user's name.")]
TokenIdArgument = Annotated[str, typer.Argument(help="The token's id (tok_...).")]


def _local_account() -> str:
    """The OS account running the command (from the password database, not the
    environment: only ascn.settings reads that)."""
    try:
        import pwd

        name = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no pwd (Windows) or an account without an entry
        return "operator"
    fits = name and name.isprintable() and name == name.strip() and len(name) <= 100
    return f"operator:{name}" if fits else "operator"


OPERATOR = Actor(id=_local_account(), role="admin")
"""Who the CLI acts as. The ``operator`` prefix keeps it apart from API users, whose
names are slugs without a colon."""


@contextmanager
def _directory(db: str | None) -> Iterator[Directory]:
    settings = load(db)
    with services(settings) as built:
        yield Directory(store=built.store, token_ttl=timedelta(days=settings.token_ttl_days))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name: a slug, recorded as the actor id.")],
    role: Annotated[
        str, typer.Option(help="admin, asec, nr:<AMS>, shepherd:<AMS> or chair_team:<AMS>.")
    ],
    db: DbOption = None,
) -> None:
    """Add an API user and print their first token (shown once; only its hash is kept)."""
    command = users.AddUser(name=name, role=role)
    with _directory(db) as directory:
        user = users.add_user(directory, command, OPERATOR)
        issued = users.issue_token(directory, users.IssueToken(name=name), OPERATOR)
    out.print(f"user {user.name} ({user.role}) added")
    _print_token(issued)


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """Every user and their tokens: ids and times, never the tokens."""
    with _directory(db) as directory:
        found = users.list_users(directory, users.ListUsers(), OPERATOR)
    for line in _lines(found) if found else ["no users yet"]:
        typer.echo(line)


@users_app.command("disable")
def users_disable(name: NameArgument, db: DbOption = None) -> None:
    """Stop the user's tokens from working (until enabled again)."""
    _change(db, lambda d: users.disable_user(d, users.DisableUser(name=name), OPERATOR))


@users_app.command("enable")
def users_enable(name: NameArgument, db: DbOption = None) -> None:
    """Let a disabled user's live tokens work again."""
    _change(db, lambda d: users.enable_user(d, users.EnableUser(name=name), OPERATOR))


@users_app.command("token")
def users_token(name: NameArgument, db: DbOption = None) -> None:
    """Issue another token to the user (shown once)."""
    command = users.IssueToken(name=name)
    with _directory(db) as directory:
        _print_token(users.issue_token(directory, command, OPERATOR))


@users_app.command("revoke")
def users_revoke(token_id: TokenIdArgument, db: DbOption = None) -> None:
    """Revoke a token by its id; it stops working at once."""
    command = users.RevokeToken(token_id=token_id)
    with _directory(db) as directory:
        token = users.revoke_token(directory, command, OPERATOR)
    out.print(f"token {token.token_id} of {token.user} revoked")


@users_app.command("rotate")
def users_rotate(token_id: TokenIdArgument, db: DbOption = None) -> None:
    """Issue a new token to the same user and revoke this one, in one step."""
    command = users.RotateToken(token_id=token_id)
    with _directory(db) as directory:
        issued = users.rotate_token(directory, command, OPERATOR)
    out.print(f"token {token_id} revoked; its replacement:")
    _print_token(issued)


def _change(db: str | None, use_case: Callable[[Directory], UserInfo]) -> None:
    with _directory(db) as directory:
        user = use_case(directory)
    out.print(f"user {user.name} ({user.role}) is {'disabled' if user.disabled else 'enabled'}")


def _print_token(issued: IssuedToken) -> None:
    out.print(
        f"token {issued.token_id} for {issued.name}, expires "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC (shown once):"
    )
    typer.echo(issued.token)  # the last line alone, for scripts; never through rich


def _lines(found: tuple[UserInfo, ...]) -> Iterator[str]:
    """A user a line, then each of their tokens indented: plain lines that grep and
    diff well, rather than a table folded to the terminal's width."""
    for user in found:
        yield f"{user.name}  {user.role}  {'disabled' if user.disabled else 'enabled'}"
        for token in user.tokens:
            yield f"  {token.token_id}  {_dates(token)}"
        if not user.tokens:
            yield "  (no tokens)"


def _dates(token: TokenInfo) -> str:
    if token.revoked_at is not None:
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}"
    else:
        state = "expired" if token.expires_at <= utc_now() else "live"
    return f"created {token.created_at:%Y-%m-%d}  expires {token.expires_at:%Y-%m-%d}  {state}"
