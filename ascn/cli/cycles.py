"""Following cycles: start one, its status, its calendar, the yearly schedule."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from temporalio.runtime import Runtime

from ascn.bootstrap import connect_client, services
from ascn.calendar_files import as_json, read_calendar
from ascn.cli.acting import signed_in
from ascn.cli.common import DbOption, Year, err, group, load, out
from ascn.cycles import SCHEDULE_ID, create_yearly_schedule
from ascn.errors import UsageError
from ascn.operate import print_lag, print_status
from ascn.runtime import run_with_runtime
from domain.reference import ReferenceData
from eventstore.lag import ReadLag, lag_of
from eventstore.readmodels.cycles import CycleProjection, CycleStatusView, cycle_status_view
from feeds.ical import cycle_calendar, planned_of

app = typer.Typer()
cycle_app = group("Start and follow yearly cycles.")


@cycle_app.command("start")
def cycle_start(
    year: Year,
    template: Annotated[
        str, typer.Option(help="Calendar template: recurring or inaugural-2018.")
    ] = "recurring",
    calendar: Annotated[
        Path | None,
        typer.Option(
            help="The year's calendar file (YAML; see `ascn calendar check`). It names its "
            "template, so --template is not needed.",
            metavar="FILE",
        ),
    ] = None,
    allow_past_deadlines: Annotated[
        bool,
        typer.Option(
            "--allow-past-deadlines",
            help="Start even if the first deadline has passed (to record a year gone by): "
            "every party owing a past step is escalated at once.",
        ),
    ] = False,
) -> None:
    """Start a year's cycle (workflow ascn-cycle-<year>), as the year's shepherd, via the API.
    Refused if its first deadline has passed, unless --calendar gives later dates or
    --allow-past-deadlines says it is meant."""
    body: dict[str, object] = {"year": year, "template": template}
    if calendar is not None:
        body = {"year": year, "calendar": as_json(read_calendar(calendar))}
    if allow_past_deadlines:
        body["allow_past_deadlines"] = True
    with signed_in() as api:
        started = api.post("/v1/cycles", body)
    out.print(
        f"started {started['workflow_id']} (run {started['run_id']}) by {started['started_by']}"
    )


def read_status(db: str | None, year: int) -> tuple[CycleStatusView | None, ReadLag]:
    """The year's cycle as the read models show it; they are never caught up here."""
    with services(load(db)) as built:
        view = cycle_status_view(built.engine, year)
        return view, view.lag if view else lag_of(built.engine, [CycleProjection.name])


def no_cycle(year: int, lag: ReadLag) -> UsageError:
    if lag.behind:
        return UsageError(
            f"no cycle {year} in the read models; {lag.behind} event(s) are not projected yet "
            "(is `ascn project` running?)"
        )
    return UsageError(f"no cycle {year} in this store (start one: ascn cycle start --year {year})")


@app.command()
def status(year: Year, db: DbOption = None) -> None:
    """The cycle's steps, deadlines and who is overdue, from the read models."""
    view, lag = read_status(db, year)
    if view is None:
        raise no_cycle(year, lag)
    print_status(out, view)
    print_lag(out, lag)


@app.command()
def schedule(
    month: Annotated[int, typer.Option(min=1, max=12, help="Month each cycle starts.")] = 1,
    day: Annotated[int, typer.Option(min=1, max=28, help="Day of that month.")] = 2,
    zone: Annotated[str, typer.Option(help="IANA time zone of that day.")] = "Asia/Jakarta",
) -> None:
    """Create the Temporal Schedule that starts each year's cycle (recurring template)."""
    settings = load()

    async def create(runtime: Runtime) -> bool:
        client = await connect_client(settings, runtime=runtime)
        return await create_yearly_schedule(
            client, settings.task_queue, month=month, day=day, zone=zone,
            search_attributes=settings.search_attributes,
        )  # fmt: skip

    created = run_with_runtime(create)
    verb = "created" if created else "already exists:"
    out.print(f"schedule {SCHEDULE_ID} {verb} each year on {day:02d}/{month:02d} 00:00 {zone}")


def calendar(year: int, member_state: str | None, out_file: Path | None, db: str | None) -> None:
    """The cycle's deadlines as an iCalendar feed (one event per step, with alarms): what
    ``ascn calendar --year`` runs (``ascn.cli.calendars``, where its options are)."""
    view, lag = read_status(db, year)
    if view is None:
        raise no_cycle(year, lag)
    if member_state is not None:
        ReferenceData.load().member_state(member_state)  # cached: read once a process
    with services(load(db)) as built:
        planned = planned_of(built.engine, year)
    body = cycle_calendar(view, now=datetime.now(UTC), member_state=member_state, planned=planned)
    print_lag(err, lag)
    if out_file is None:
        sys.stdout.buffer.write(body)
    else:
        out_file.write_bytes(body)
        out.print(f"wrote {out_file}")
