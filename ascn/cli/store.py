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
from ascn.cli.ledger import trusted_keys_given
from ascn.errors import UsageError
from ascn.operate import print_lag
from eventstore import migrate as migrations
from eventstore.export import export_events
from eventstore.readmodels.nominations import accepted_nominations_and_lag
from eventstore.verify import verify_checkpoint, verify_store
from ledgercheck import consistency
from ledgercheck.checkpoint import Checkpoint, is_trusted, key_id, read_signed, signature_holds
from ledgercheck.files import NotADocument, read_document

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
            help="A signed checkpoint file (`ascn ledger checkpoint --out`), or a proof file "
            "(`ascn ledger prove`: an event's, or a consistency proof's two checkpoints): "
            "also check that the log still holds exactly the events each signed, and name "
            "the first that differs.",
        ),
    ] = None,
    trusted: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-key",
            help="With --checkpoint: a key you trust (public key or key id, as `ascn ledger "
            "keys` prints and the secretariat publishes); a checkpoint signed by another is "
            "refused. Repeat for more.",
        ),
    ] = None,
    trusted_file: Annotated[
        Path | None,
        typer.Option("--trusted-keys", help="With --checkpoint: a file of keys you trust."),
    ] = None,
) -> None:
    """Walk every stream's hash chain; exit 1 at the first broken link, or if the log no
    longer holds what a checkpoint given signed, or if a trusted key was given and did not
    sign it."""
    keys = trusted_keys_given(trusted or [], trusted_file)
    if keys is not None and checkpoint is None:
        raise UsageError("--trusted-key and --trusted-keys go with --checkpoint FILE")
    signed = [] if checkpoint is None else read_checkpoint_file(checkpoint)
    untrusted = [
        (made, public)
        for made, public in signed
        if keys is not None and not is_trusted(public, keys)
    ]
    for made, public in untrusted:
        typer.echo(
            f"FAILED: the checkpoint of {made.tree_size} events is signed by key id "
            f"{key_id(public)}, not by a key you trust",
            err=True,
        )
    if untrusted:
        raise typer.Exit(1)
    with services(load(db), read_only=True) as built:
        report = verify_store(built.store)
        against = [
            verify_checkpoint(built.engine, made.tree_size, made.root_hash) for made, _ in signed
        ]
    if report.broken is not None:
        typer.echo(f"TAMPERED: {report.broken}", err=True)
    for (made, _), found in zip(signed, against, strict=True):
        if not found.ok:
            typer.echo(
                f"TAMPERED below the checkpoint of {made.tree_size} events: {found.message}",
                err=True,
            )
    if report.broken is not None or not all(found.ok for found in against):
        raise typer.Exit(1)
    out.print(
        f"[green]ok[/green]: {report.events_checked} events in "
        f"{report.streams_checked} streams, every hash chain intact"
    )
    for made, _ in signed:
        out.print(
            f"[green]ok[/green]: the first {made.tree_size} events give the root of the "
            f"checkpoint signed at {made.signed_at.isoformat()} by key {made.key_id}"
            + (" (a key you trust)" if keys is not None else "")
        )
    if signed and keys is None:
        typer.echo(
            "note: no --trusted-key was given, so this shows the log holds what the key the "
            "file names signed, not that the secretariat signed it; anyone who can rewrite "
            "the store can sign a checkpoint of their own",
            err=True,
        )


def read_checkpoint_file(path: Path) -> list[tuple[Checkpoint, bytes]]:
    """The checkpoints a checkpoint or proof file holds (a consistency proof holds two),
    each with the public key it names, whose signature holds."""
    try:
        document = read_document(path, "a signed checkpoint or proof")
    except NotADocument as error:
        raise UsageError(str(error)) from None
    is_consistency = document.get("format") == consistency.FORMAT
    parts = (
        [("older", "the older "), ("newer", "the newer ")] if is_consistency else [(None, "the ")]
    )
    found: list[tuple[Checkpoint, bytes]] = []
    for part, which in parts:
        try:
            signed = document if part is None else document[part]
            made, signature, public_key = read_signed(signed)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UsageError(
                f"{path} is not a signed checkpoint or proof: {which}checkpoint, its "
                "signature or its public key is missing or malformed (`ascn ledger "
                "checkpoint --out` and `ascn ledger prove` write what this reads)"
            ) from None
        if not signature_holds(made, signature, public_key):
            raise UsageError(
                f"the signature of {which}checkpoint in {path} does not hold: it is not genuine"
            )
        found.append((made, public_key))
    return found


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
