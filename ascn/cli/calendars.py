"""Calendar files: check one before a cycle is started with it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ascn.calendar_files import read_calendar
from ascn.cli import cycles
from ascn.cli.common import DbOption, OptionalYear, err, out
from ascn.errors import UsageError
from domain.calendar_files import CalendarInvalid, check_calendar
from domain.reference import ReferenceData

calendar_app = typer.Typer(
    invoke_without_command=True,
    help="A cycle's deadlines as an iCalendar feed (--year); `check FILE`: a calendar file.",
)


@calendar_app.callback()
def feed(
    ctx: typer.Context,
    year: OptionalYear = None,
    member_state: Annotated[
        str | None, typer.Option(help="Only the steps this member state owes, e.g. MY.")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write here (default: standard output).")
    ] = None,
    db: DbOption = None,
) -> None:
    """The cycle's deadlines as an iCalendar feed (one event per step, with alarms)."""
    if ctx.invoked_subcommand is not None:
        return
    if year is None:
        raise UsageError("give --year for the cycle's feed, or `ascn calendar check FILE`")
    cycles.calendar(year, member_state, out_file, db)


@calendar_app.command("check")
def check(
    path: Annotated[Path, typer.Argument(help="The calendar file (YAML).", metavar="FILE")],
) -> None:
    """Explain every problem in a calendar file (exit 1), or say in one line what it plans."""
    try:
        checked = check_calendar(read_calendar(path), ReferenceData.load())
    except CalendarInvalid as invalid:
        for problem in invalid.problems:
            err.print(f"{path}: {problem}", markup=False, highlight=False, soft_wrap=True)
        err.print(
            f"{path}: {len(invalid.problems)} problem(s); nothing was planned",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(1) from None
    out.print(f"{path}: valid: {checked.summary()}", markup=False, highlight=False, soft_wrap=True)
