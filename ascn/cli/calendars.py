"""Calendar files: check one before a cycle is started with it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ascn.calendar_files import read_calendar
from ascn.cli.common import err, group, out
from domain.calendar_files import CalendarInvalid, check_calendar
from domain.reference import ReferenceData

calendar_app = group("Calendar files: each year's real dates, as data.")


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
