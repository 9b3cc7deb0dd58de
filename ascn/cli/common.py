"""What every group of commands shares: the console, the options, the settings."""

from __future__ import annotations

from typing import Annotated

import structlog
import typer
from rich.console import Console

from ascn.bootstrap import configure
from ascn.settings import Settings, load_settings

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: ASCN_DB_URL, else the embedded SQLite)."),
]
Year = Annotated[int, typer.Option(help="Cycle year.")]
out = Console()
err = Console(stderr=True)
log = structlog.get_logger("ascn.cli")


def group(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True)


def load(db: str | None = None) -> Settings:
    settings = load_settings(db_url=db)
    configure(settings)
    return settings
