"""API users and their tokens (operator commands, local to the store)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.users import create_user, issue_token
from ascn.bootstrap import services
from ascn.cli.common import DbOption, group, load, out

users_app = group("API users and their tokens.")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (recorded as the actor id).")],
    role: Annotated[str, typer.Option(help="shepherd, chair_team, admin or nr:<AMS>.")],
    db: DbOption = None,
) -> None:
    """Add an API user and print its bearer token (shown once; only its hash is kept)."""
    with services(load(db)) as built:
        user = create_user(built.engine, name, role)
        token = issue_token(built.engine, user)
    out.print(f"user {user.name} ({user.role}) added; token (shown once):")
    typer.echo(token)
