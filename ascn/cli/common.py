"""What every group of commands shares: the console, the options, the settings."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
import typer
from rich.console import Console

from ascn.bootstrap import configure
from ascn.settings import Settings, load_settings
from domain.values import FIRST_YEAR, LAST_YEAR

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: ASCN_DB_URL, else the embedded SQLite)."),
]


def year_option(help_text: str = "Cycle year.") -> Any:
    """Every --year: the API's range (1967-9999), so that a year out of it is the command
    line's own clear error, never an overflow in the store or a cycle to start in year 0."""
    return typer.Option(min=FIRST_YEAR, max=LAST_YEAR, help=help_text)


Year = Annotated[int, year_option()]
OptionalYear = Annotated[int | None, year_option()]
out = Console()
err = Console(stderr=True)
log = structlog.get_logger("ascn.cli")


def group(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True)


def load(db: str | None = None) -> Settings:
    settings = load_settings(db_url=db)
    configure(settings)
    return settings
