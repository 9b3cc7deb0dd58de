"""Following cycles: start one, its status, its calendar, the yearly schedule."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ascn.bootstrap import connect_client, services
from ascn.cli.acting import signed_in
from ascn.cli.common import DbOption, Year, group, load, out
from ascn.cycles import SCHEDULE_ID, create_yearly_schedule
from ascn.errors import UsageError
from ascn.operate import print_status
from domain.reference import ReferenceData
from eventstore.readmodels.cycles import cycle_view
from eventstore.readmodels.registry import catch_up_all
from mail.calendar import cycle_calendar

app = typer.Typer()
cycle_app = group("Start and follow yearly cycles.")


@cycle_app.command("start")
def cycle_start(
    year: Annotated[int, typer.Option(help="Cycle year.")],
    template: Annotated[
        str, typer.Option(help="Calendar template: recurring or inaugural-2018.")
    ] = "recurring",
) -> None:
    """Start a year's cycle (workflow ascn-cycle-<year>), as the year's shepherd, via the API."""
    with signed_in() as api:
        started = api.post("/v1/cycles", {"year": year, "template": template})
    out.print(
        f"started {started['workflow_id']} (run {started['run_id']}) by {started['started_by']}"
    )


@app.command()
def status(year: Year, db: DbOption = None) -> None:
    """The cycle's steps, deadlines and who is overdue, from the read models."""
    with services(load(db)) as built:
        catch_up_all(built.engine)
        view = cycle_view(built.engine, year)
    if view is None:
        raise UsageError(
            f"no cycle {year} in this store (start one: ascn cycle start --year {year})"
        )
    print_status(out, view)


@app.command()
def schedule(
    month: Annotated[int, typer.Option(min=1, max=12, help="Month each cycle starts.")] = 1,
    day: Annotated[int, typer.Option(min=1, max=28, help="Day of that month.")] = 2,
    zone: Annotated[str, typer.Option(help="IANA time zone of that day.")] = "Asia/Jakarta",
) -> None:
    """Create the Temporal Schedule that starts each year's cycle (recurring template)."""
    settings = load()

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
    with services(load(db)) as built:
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
