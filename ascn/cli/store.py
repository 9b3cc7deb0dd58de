"""Operator commands on the event store: migrate, verify, export, nominations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ascn.bootstrap import services
from ascn.cli.common import DbOption, err, group, load, log, out
from ascn.operate import print_lag
from eventstore import migrate as migrations
from eventstore.export import export_events
from eventstore.readmodels.nominations import accepted_nominations_and_lag
from eventstore.verify import verify_store

app = typer.Typer()
events_app = group("Read the event store.")


@app.command()
def migrate(db: DbOption = None) -> None:
    """Create or upgrade the event store's tables to the newest schema."""
    with services(load(db), create=True) as built:
        migrations.upgrade(built.engine)
        log.info("migrated", database=built.engine.url.render_as_string(hide_password=True))
    out.print("[green]event store is up to date[/green]")


@app.command()
def verify(db: DbOption = None) -> None:
    """Walk every stream's hash chain; exit 1 at the first broken link."""
    with services(load(db), read_only=True) as built:
        report = verify_store(built.store)
    if report.broken is not None:
        typer.echo(f"TAMPERED: {report.broken}", err=True)
        raise typer.Exit(1)
    out.print(
        f"[green]ok[/green]: {report.events_checked} events in "
        f"{report.streams_checked} streams, every hash chain intact"
    )


@events_app.command("export")
def export(
    db: DbOption = None,
    stream: Annotated[str | None, typer.Option(help="Only this stream.")] = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Write events as JSON lines, one event a line, in global order."""
    with services(load(db), read_only=True) as built:
        if output is None:
            export_events(built.store, sys.stdout, stream_id=stream)
            return
        with output.open("w", encoding="utf-8") as handle:
            count = export_events(built.store, handle, stream_id=stream)
    typer.echo(f"exported {count} events to {output}", err=True)


@app.command()
def nominations(
    year: Annotated[int, typer.Option(help="Cycle year.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for tools.")] = False,
) -> None:
    """List the accepted nominations of a year: AMS, city, capital, exceptions."""
    with services(load(db)) as built:
        accepted, lag = accepted_nominations_and_lag(built.engine, year)
    print_lag(err, lag)
    if as_json:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in accepted], indent=2))
        return
    table = Table(title=f"Accepted nominations {year}: {len(accepted)} cities")
    for column in ("AMS", "city", "capital", "CSCO", "NR", "late", "exception"):
        table.add_column(column)
    for row in accepted:
        table.add_row(
            row.member_state,
            row.city,
            "yes" if row.capital else "",
            row.csco_name,
            row.nr_name,
            "late" if row.late else "",
            "; ".join(f"{e.exception_id} ({e.reason})" for e in row.exceptions),
        )
    out.print(table)
