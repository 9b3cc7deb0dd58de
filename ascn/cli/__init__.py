"""The `ascn` command line: one typer sub-app per group of commands."""

from __future__ import annotations

import logging
import sys

import typer

from ascn.cli import acting, cycles, keys, mail, running, store, users
from ascn.cli.client import ApiError
from ascn.errors import one_line

app = typer.Typer(
    help="ASEAN Smart Cities Network: the yearly reporting chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for commands in (store.app, running.app, cycles.app, acting.app):
    app.add_typer(commands)
app.add_typer(store.events_app, name="events")
app.add_typer(cycles.cycle_app, name="cycle")
app.add_typer(users.users_app, name="users")
app.add_typer(mail.mail_app, name="mail")
app.add_typer(acting.exceptions_app, name="exceptions")
app.add_typer(keys.keys_app, name="keys")


def main() -> None:
    try:
        app()
    except ApiError as error:  # the API or the cycle said no: its own words, exit 1
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
    except Exception as error:  # the user gets one line, never a traceback
        logging.getLogger("ascn.cli").debug("command failed", exc_info=error)
        typer.echo(f"error: {one_line(error)}", err=True)
        sys.exit(2)
