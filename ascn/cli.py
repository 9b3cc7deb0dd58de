"""The `ascn` command line."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import structlog
import typer
from rich.console import Console
from rich.table import Table

from api.users import create_user, issue_token
from ascn.bootstrap import configure, connect_client, mail_transport, serve_worker, services
from ascn.cycles import SCHEDULE_ID, create_yearly_schedule, plan_for, start_cycle
from ascn.errors import UsageError, describe
from ascn.operate import (
    actor_from,
    cycle_zone,
    deadline_from,
    print_status,
    read_nominations,
    recorded,
    with_gateway,
)
from ascn.settings import Settings, load_settings
from ascn.up import Ports, run_up
from domain.reference import ReferenceData
from eventstore import migrate as migrations
from eventstore.export import export_events
from eventstore.projections import ProjectionRunner
from eventstore.readmodels.cycles import cycle_view
from eventstore.readmodels.nominations import NominationsProjection, accepted_nominations
from eventstore.readmodels.registry import catch_up_all
from eventstore.verify import verify_store
from mail.calendar import cycle_calendar
from mail.dispatch import dispatch
from workflows.cycle import workflow_id
from workflows.messages import ApproveStepUpdate, ExtendDeadlineUpdate

app = typer.Typer(
    help="ASEAN Smart Cities Network: the yearly reporting chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
events_app = typer.Typer(help="Read the event store.", no_args_is_help=True)
app.add_typer(events_app, name="events")
cycle_app = typer.Typer(help="Start and follow yearly cycles.", no_args_is_help=True)
app.add_typer(cycle_app, name="cycle")
users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: ASCN_DB_URL, else the embedded SQLite)."),
]
out = Console()
log = structlog.get_logger("ascn.cli")


def _settings(db: str | None) -> Settings:
    settings = load_settings(db_url=db)
    configure(settings)
    return settings


@app.command()
def migrate(db: DbOption = None) -> None:
    """Create or upgrade the event store's tables to the newest schema."""
    with services(_settings(db), create=True) as built:
        migrations.upgrade(built.engine)
        log.info("migrated", database=built.engine.url.render_as_string(hide_password=True))
    out.print("[green]event store is up to date[/green]")


@app.command()
def verify(db: DbOption = None) -> None:
    """Walk every stream's hash chain; exit 1 at the first broken link."""
    with services(_settings(db)) as built:
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
    with services(_settings(db)) as built:
        if output is None:
            export_events(built.store, sys.stdout, stream_id=stream)
            return
        with output.open("w", encoding="utf-8") as handle:
            count = export_events(built.store, handle, stream_id=stream)
    typer.echo(f"exported {count} events to {output}", err=True)


@app.command()
def worker() -> None:
    """Run the Temporal worker (settings from ASCN_* variables) until Ctrl-C or SIGTERM."""
    asyncio.run(serve_worker(_settings(None)))


@cycle_app.command("start")
def cycle_start(
    year: Annotated[int, typer.Option(help="Cycle year.")],
    template: Annotated[
        str, typer.Option(help="Calendar template: recurring or inaugural-2018.")
    ] = "recurring",
) -> None:
    """Start a year's cycle (workflow ascn-cycle-<year>) on the recurring template."""
    settings = _settings(None)
    plan = plan_for(year, template)
    run_id = asyncio.run(start_cycle(settings, year, template))
    out.print(
        f"started {workflow_id(year)} (run {run_id}): Chair {plan.chair}, "
        f"shepherd {plan.shepherd}, {len(plan.steps)} steps, "
        f"first deadline {plan.steps[0].deadline.isoformat()}"
    )


As = Annotated[
    str, typer.Option("--as", help="Who acts, as role/id: nr:MY/aziz, chair_team/alice.")
]
Year = Annotated[int, typer.Option(help="Cycle year.")]


@app.command()
def status(year: Year, db: DbOption = None) -> None:
    """The cycle's steps, deadlines and who is overdue, from the read models."""
    with services(_settings(db)) as built:
        catch_up_all(built.engine)
        view = cycle_view(built.engine, year)
    if view is None:
        raise UsageError(
            f"no cycle {year} in this store (start one: ascn cycle start --year {year})"
        )
    print_status(out, view)


@app.command()
def nominate(
    year: Year,
    file: Annotated[
        Path, typer.Option(help="YAML or JSON: member_state, national_representative, cities.")
    ],
    actor: As,
) -> None:
    """Submit a member state's nominations (the NR of that AMS only)."""
    settings = _settings(None)
    update = read_nominations(file, actor_from(actor))
    update = update.model_copy(update={"sent_at": update.sent_at or datetime.now(UTC)})
    with out.status(f"submitting {update.member_state}'s nominations for {year}..."):
        result = asyncio.run(with_gateway(settings, lambda g: g.submit_nominations(year, update)))
    out.print(f"recorded: {recorded(result)}")


@app.command()
def approve(
    year: Year, step: Annotated[str, typer.Option(help="Step name, e.g. scgw.")], actor: As
) -> None:
    """Approve a step (the Chair's team only)."""
    settings = _settings(None)
    update = ApproveStepUpdate(actor=actor_from(actor), step=step)
    with out.status(f"approving {step} of {year}..."):
        result = asyncio.run(with_gateway(settings, lambda g: g.approve_step(year, update)))
    out.print(f"recorded: {recorded(result)}")


@app.command()
def extend(
    year: Year,
    step: Annotated[str, typer.Option(help="Step name.")],
    to: Annotated[
        str, typer.Option(help="New deadline: a date (end of that day) or ISO datetime.")
    ],
    reason: Annotated[str, typer.Option(help="Why; recorded with the extension.")],
    actor: As,
) -> None:
    """Extend a step's deadline (the Chair's team only): moves the timers, records who and why."""
    settings = _settings(None)
    zone = asyncio.run(cycle_zone(settings, year))
    update = ExtendDeadlineUpdate(
        actor=actor_from(actor), step=step, new_deadline=deadline_from(to, zone), reason=reason
    )
    with out.status(f"extending {step} of {year}..."):
        result = asyncio.run(with_gateway(settings, lambda g: g.extend_deadline(year, update)))
    out.print(f"recorded: {recorded(result)}; {step} now due {update.new_deadline.isoformat()}")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (recorded as the actor id).")],
    role: Annotated[str, typer.Option(help="shepherd, chair_team, admin or nr:<AMS>.")],
    db: DbOption = None,
) -> None:
    """Add an API user and print its bearer token (shown once; only its hash is kept)."""
    with services(_settings(db)) as built:
        user = create_user(built.engine, name, role)
        token = issue_token(built.engine, user)
    out.print(f"user {user.name} ({user.role}) added; token (shown once):")
    typer.echo(token)


@app.command()
def up(
    data_dir: Annotated[Path, typer.Option(help="Where the embedded state lives.")] = Path(".ascn"),
    api_port: Annotated[int, typer.Option(help="HTTP API port.")] = 8000,
    temporal_port: Annotated[int, typer.Option(help="Temporal frontend port.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Temporal web UI port.")] = 8233,
) -> None:
    """Start the whole stack on the embedded defaults: Temporal, the worker, the HTTP API."""
    settings = _settings(None)
    ports = Ports(temporal=temporal_port, temporal_ui=ui_port, api=api_port)
    asyncio.run(run_up(settings, data_dir, ports, out.print))


@app.command()
def schedule(
    month: Annotated[int, typer.Option(min=1, max=12, help="Month each cycle starts.")] = 1,
    day: Annotated[int, typer.Option(min=1, max=28, help="Day of that month.")] = 2,
    zone: Annotated[str, typer.Option(help="IANA time zone of that day.")] = "Asia/Jakarta",
) -> None:
    """Create the Temporal Schedule that starts each year's cycle (recurring template)."""
    settings = _settings(None)

    async def create() -> bool:
        client = await connect_client(settings)
        return await create_yearly_schedule(
            client, settings.task_queue, month=month, day=day, zone=zone,
            search_attributes=settings.search_attributes,
        )  # fmt: skip

    created = asyncio.run(create())
    verb = "created" if created else "already exists:"
    out.print(f"schedule {SCHEDULE_ID} {verb} each year on {day:02d}/{month:02d} 00:00 {zone}")


@app.command()
def demo(
    db: DbOption = None,
    log_level: Annotated[str, typer.Option(help="Log level while the demo runs.")] = "WARNING",
) -> None:
    """Run the 2018 inaugural cycle end to end on the time-skipping server."""
    from ascn.demo.run import run_demo

    with services(load_settings(db_url=db, log_level=log_level.upper()), create=True) as built:
        configure(built.settings)
        intact = asyncio.run(run_demo(built, ReferenceData.load(), out))
    if not intact:
        raise typer.Exit(1)


@app.command()
def nominations(
    year: Annotated[int, typer.Option(help="Cycle year.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for tools.")] = False,
) -> None:
    """List the accepted nominations of a year: AMS, city, capital, exceptions."""
    with services(_settings(db)) as built:
        ProjectionRunner(built.engine, NominationsProjection()).catch_up()
        accepted = accepted_nominations(built.engine, year)
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


# -- mail reminders and calendar feeds ------------------------------------------

mail_app = typer.Typer(help="E-mail reminders and escalations.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")


@mail_app.command("dispatch")
def mail_dispatch(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(min=1, help="Seconds between passes.")] = 60,
    db: DbOption = None,
) -> None:
    """Queue the mails the cycle's reminders and escalations call for, and send them."""
    settings = _settings(db)
    transport = mail_transport(settings)
    with services(settings) as built:
        while True:
            report = asyncio.run(dispatch(built.engine, transport, sender=settings.mail_from))
            out.print(
                f"queued {report.queued}, sent {len(report.sent)}, "
                f"retrying {len(report.retrying)}, failed {len(report.failed)}"
            )
            if once:
                return
            time.sleep(interval)


@app.command()
def calendar(
    year: Year,
    member_state: Annotated[
        str | None, typer.Option(help="Only the steps this member state owes, e.g. MY.")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write here (default: standard output).")
    ] = None,
    db: DbOption = None,
) -> None:
    """The cycle's deadlines as an iCalendar feed (one event per step, with alarms)."""
    with services(_settings(db)) as built:
        catch_up_all(built.engine)
        view = cycle_view(built.engine, year)
    if view is None:
        raise UsageError(f"no cycle {year} in this store")
    if member_state is not None:
        ReferenceData.load().member_state(member_state)
    body = cycle_calendar(view, now=datetime.now(UTC), member_state=member_state)
    if out_file is None:
        sys.stdout.buffer.write(body)
    else:
        out_file.write_bytes(body)
        out.print(f"wrote {out_file}")


def main() -> None:
    try:
        app()
    except Exception as error:  # the user gets one line, never a traceback
        logging.getLogger("ascn.cli").debug("command failed", exc_info=error)
        typer.echo(f"error: {describe(error)}", err=True)
        sys.exit(2)
