"""The `ascn` command line: one typer sub-app per group of commands."""

from __future__ import annotations

import gc
import logging
import sys

import typer
from temporalio.runtime import Runtime

from ascn.cli import (
    acting,
    calendars,
    chain,
    cycles,
    keys,
    ledger,
    mail,
    records,
    report,
    running,
    store,
    users,
)
from ascn.cli.client import ApiError
from ascn.errors import one_line

app = typer.Typer(
    help="ASEAN Smart Cities Network: the yearly reporting chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for commands in (
    store.app,
    running.app,
    cycles.app,
    acting.app,
    chain.app,
    records.app,
    report.app,
):
    app.add_typer(commands)
for name, group in {
    "events": store.events_app,
    "cycle": cycles.cycle_app,
    "calendar": calendars.calendar_app,
    "users": users.users_app,
    "mail": mail.mail_app,
    "exceptions": acting.exceptions_app,
    "keys": keys.keys_app,
    "cities": chain.cities_app,
    "plans": records.plans_app,
    "partners": records.partners_app,
    "twinning": records.twinning_app,
    "outcomes": records.outcomes_app,
    "ledger": ledger.ledger_app,
}.items():
    app.add_typer(group, name=name)


def main() -> None:
    """Exit 0 on success; 1 for any failure, whether the API or the cycle refused, a
    service failed or the problem is local (a file, a setting, the store): one line on
    standard error, never a traceback. 2 stays click's own, for a command line it cannot
    parse (an unknown option, a missing one)."""
    # Each command that talks to Temporal brings its own runtime (ascn.runtime); the
    # default one would outlive the interpreter's teardown and can abort the exit.
    Runtime.prevent_default()  # type: ignore[no-untyped-call]
    code = _run()
    # What an error's traceback held (a client, and through it its runtime) is freed
    # now, while the interpreter runs, not during its teardown.
    gc.collect()
    sys.exit(code)


def _run() -> int | str | None:
    try:
        app()
    except SystemExit as exiting:  # click's own ending: 0, or 2 for a bad command line
        return exiting.code
    except ApiError as error:  # the API or the cycle said no: its own words
        typer.echo(f"error: {error}", err=True)
    except Exception as error:  # the user gets one line, never a traceback
        logging.getLogger("ascn.cli").debug("command failed", exc_info=error)
        typer.echo(f"error: {one_line(error)}", err=True)
    return 1
