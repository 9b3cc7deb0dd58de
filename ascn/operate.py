"""The CLI's operations on running cycles: the same gateway the HTTP API uses."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from api.gateway import TemporalCycleGateway
from ascn.bootstrap import connect_client
from ascn.cycles import planner
from ascn.errors import UsageError
from ascn.settings import Settings
from domain.actors import Actor
from domain.calendar import end_of_day
from domain.reference import ReferenceData
from eventstore.lag import ReadLag
from eventstore.readmodels.cycles import CycleView
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import SubmitNominationsUpdate, UpdateResult

T = TypeVar("T")


def actor_from(label: str) -> Actor:
    """The acting person, as role/id (e.g. nr:MY/aziz or chair_team/alice)."""
    return Actor.parse(label)


async def with_gateway(
    settings: Settings, call: Callable[[TemporalCycleGateway], Awaitable[T]]
) -> T:
    client = await connect_client(settings)
    gateway = TemporalCycleGateway(
        client, settings.task_queue, ReferenceData.load(), planner=planner(settings)
    )
    return await call(gateway)


def read_nominations(path: Path, actor: Actor) -> SubmitNominationsUpdate:
    """A nominations file (YAML or JSON): member_state, national_representative, cities."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        raw: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise UsageError(
            f"{path} is not valid {path.suffix.lstrip('.') or 'YAML'}: {error}"
        ) from None
    if not isinstance(raw, dict):
        raise UsageError(
            f"{path} must hold a mapping with member_state, national_representative, cities"
        )
    try:
        return SubmitNominationsUpdate.model_validate({**raw, "actor": actor})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise UsageError(f"{path}: {problems}") from None


async def cycle_zone(settings: Settings, year: int) -> str:
    client = await connect_client(settings)
    status = await client.get_workflow_handle(workflow_id(year)).query(CycleWorkflow.status)
    return status.zone


def deadline_from(value: str, zone: str) -> datetime:
    """A date means the end of that day in the cycle's zone; a datetime must carry its own."""
    try:
        if len(value) == 10:
            return end_of_day(date.fromisoformat(value), zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--to {value!r} is not a date (YYYY-MM-DD) or an ISO datetime") from None
    if moment.tzinfo is None:
        raise UsageError(f"--to {value!r} needs a time zone offset, or give a date")
    return moment


def recorded(result: UpdateResult) -> str:
    return ", ".join(result.recorded) or "nothing new"


def print_failed_mail(console: Console, rows: list[dict[str, Any]]) -> None:
    """Mail that could not be delivered for good: the shepherd must reach these people."""
    failed = [row for row in rows if row["state"] == "failed"]
    if not failed:
        return
    console.print(f"[bold red]{len(failed)} mail(s) could not be delivered[/bold red]")
    for row in failed:
        console.print(
            f"  {row['recipient']} <{row['address']}>: {row['subject']} ({row['last_error']})"
        )


def print_status(console: Console, view: CycleView) -> None:
    console.print(
        f"[bold]ASCN cycle {view.year}[/bold] ({view.template}): Chair {view.chair}, "
        f"shepherd {view.shepherd}; {view.state}"
        + (f", current step {view.current_step}" if view.current_step else "")
    )
    table = Table()
    for column in ("step", "state", "deadline", "reminders", "escalated", "approved by",
                   "outstanding"):  # fmt: skip
        table.add_column(column)
    for step in view.steps:
        table.add_row(
            step.step,
            step.settled_by or step.state,
            step.deadline.strftime("%a %d %b %Y") if step.deadline else "",
            str(step.reminders_sent),
            ", ".join(step.escalations),
            step.approved_by or "",
            ", ".join(step.outstanding),
        )
    console.print(table)
    if view.overdue:
        console.print("[bold red]overdue[/bold red]")
        for item in view.overdue:
            console.print(
                f"  {item.party} on {item.step} since {item.since.strftime('%d %b %Y')} "
                f"(escalated: {item.rung})"
            )
    else:
        console.print("no one is overdue")


def print_lag(console: Console, lag: ReadLag) -> None:
    """Only when the read models trail the store: what was read may lack recent facts."""
    if lag.behind:
        console.print(
            f"[yellow]read models at position {lag.projected_position} of {lag.store_head}"
            f"[/yellow] ({lag.behind} event(s) not projected yet; is `ascn project` running?)",
            soft_wrap=True,
        )
