"""Operator commands that run parts of the stack: the worker, the projector, `ascn up`,
the demo."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine

from ascn.bootstrap import configure, serve_worker, services
from ascn.cli.common import DbOption, load, log, out
from ascn.projections import app_projector, stored_events
from ascn.projections import rebuild as rebuild_read_models
from ascn.runtime import QUIET, run_with_runtime
from ascn.serve import serve_api
from ascn.settings import load_settings
from ascn.up import Ports, run_up

app = typer.Typer()


@app.command()
def worker() -> None:
    """Run the Temporal worker (settings from ASCN_* variables) until Ctrl-C or SIGTERM."""
    settings = load()
    run_with_runtime(lambda runtime: serve_worker(settings, runtime=runtime))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API and the web pages (/app) until Ctrl-C or SIGTERM. The projector
    (`ascn project`) keeps what they read up to date."""
    settings = load()
    run_with_runtime(lambda runtime: serve_api(settings, host, port, runtime=runtime))


@app.command()
def project(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between passes.")] = 1.0,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Rebuild every read model from the first event (the mail outbox is kept, "
            "and no mail is queued again), with a progress bar, then exit.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Keep every read model and the mail outbox up to date, until Ctrl-C or SIGTERM."""
    with services(load(db)) as built:
        if rebuild:
            _rebuild(built.engine)
            return
        projector = app_projector(built.engine, built.contacts)
        if once:
            applied = projector.run_once()
            head, positions = projector.positions()
            done = ", ".join(f"{name} +{count}" for name, count in applied.items())
            out.print(f"projected: {done}", soft_wrap=True)
            out.print(f"read models at position {min(positions.values())} of {head}")
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        log.info("projector started", projections=projector.names, interval=interval)
        projector.run(stop, interval=interval)
        log.info("projector stopped")


def _rebuild(engine: Engine) -> None:
    with Progress(
        TextColumn("rebuilding the read models"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeRemainingColumn(),
        console=out,
    ) as progress:
        task = progress.add_task("rebuild", total=stored_events(engine))
        applied = rebuild_read_models(engine, lambda events: progress.advance(task, events))
    done = ", ".join(f"{name} {count}" for name, count in applied.items())
    out.print(f"rebuilt from position 0: {done} events applied", soft_wrap=True)


@app.command()
def up(
    data_dir: Annotated[
        Path, typer.Option(help="Where Temporal's state, the event store and the outbox live.")
    ] = Path(".ascn"),
    api_port: Annotated[int, typer.Option(help="HTTP API port.")] = 8000,
    temporal_port: Annotated[int, typer.Option(help="Temporal frontend port.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Temporal web UI port.")] = 8233,
) -> None:
    """Start the whole stack on the embedded defaults: Temporal, the worker, the HTTP API,
    the projector and the mail dispatcher. Temporal's state, the event store and the
    outbox live under --data-dir unless ASCN_DB_URL or ASCN_OUTBOX_DIR say otherwise."""
    settings = load()
    ports = Ports(temporal=temporal_port, temporal_ui=ui_port, api=api_port)
    data_dir = data_dir.resolve()
    run_with_runtime(lambda runtime: run_up(settings, data_dir, ports, out.print, runtime))


@app.command()
def demo(
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: the embedded SQLite).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="Log level while the demo runs.")] = "WARNING",
) -> None:
    """Run the 2018 inaugural cycle end to end on the time-skipping server."""
    from ascn.demo.run import run_demo

    with services(load_settings(db_url=db, log_level=log_level.upper()), create=True) as built:
        configure(built.settings)
        intact = run_with_runtime(
            lambda runtime: run_demo(built, built.reference, out, runtime), telemetry=QUIET
        )
    if not intact:
        raise typer.Exit(1)
