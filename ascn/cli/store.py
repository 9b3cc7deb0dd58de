"""Operator commands on the event store: migrate, verify, export, nominations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ascn.bootstrap import services
from ascn.cli.common import DbOption, err, group, load, log, out, year_option
from ascn.errors import UsageError
from ascn.operate import print_lag
from eventstore import migrate as migrations
from eventstore.export import export_events
from eventstore.readmodels.nominations import accepted_nominations_and_lag
from eventstore.verify import verify_checkpoint, verify_store
from ledgercheck.checkpoint import Checkpoint, read_signed, signature_holds

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
def verify(
    db: DbOption = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="A signed checkpoint (or proof) file: also check that the log still holds "
            "exactly the events it signed, and name the first that differs.",
        ),
    ] = None,
) -> None:
    """Walk every stream's hash chain; exit 1 at the first broken link."""
    signed = None if checkpoint is None else read_checkpoint_file(checkpoint)
    with services(load(db), read_only=True) as built:
        report = verify_store(built.store)
        against = (
            None
            if signed is None
            else verify_checkpoint(built.engine, signed.tree_size, signed.root_hash)
        )
    if report.broken is not None:
        typer.echo(f"TAMPERED: {report.broken}", err=True)
    if against is not None and not against.ok:
        typer.echo(f"TAMPERED below the checkpoint: {against.message}", err=True)
    if report.broken is not None or (against is not None and not against.ok):
        raise typer.Exit(1)
    out.print(
        f"[green]ok[/green]: {report.events_checked} events in "
        f"{report.streams_checked} streams, every hash chain intact"
    )
    if signed is not None:
        out.print(
            f"[green]ok[/green]: the first {signed.tree_size} events give the root "
            f"checkpoint signed at {signed.signed_at.isoformat()} by key {signed.key_id}"
        )


def read_checkpoint_file(path: Path) -> Checkpoint:
    """A checkpoint whose signature holds for the key its file names."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        made, signature, public_key = read_signed(document)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(f"{path} is not a signed checkpoint: {error!r}") from None
    if not signature_holds(made, signature, public_key):
        raise UsageError(f"the signature in {path} does not hold: the checkpoint is not genuine")
    return made


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
    year: Annotated[int, year_option()],
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
