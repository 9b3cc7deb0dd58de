"""What the CLI reads and prints: nomination files, a cycle's status, failed mail."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from api.models import Nominations
from ascn.errors import UsageError, read_text_file
from eventstore.lag import ReadLag
from eventstore.readmodels.cycles import CycleView, ReportView


def read_nominations(path: Path) -> dict[str, Any]:
    """A nominations file (YAML or JSON): member_state, national_representative, cities.

    Its shape is checked here, so a mistake names the file and the field before anything
    is sent; the API checks it again."""
    text = read_text_file(path)
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
        Nominations.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise UsageError(f"{path}: {problems}") from None
    return raw


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


WIDE_STATUS = 140
"""Columns a terminal needs for the status as a table; narrower, each step is a paragraph."""


def print_status(console: Console, view: CycleView) -> None:
    console.print(
        f"[bold]ASCN cycle {view.year}[/bold] ({view.template}): Chair {view.chair}, "
        f"shepherd {view.shepherd}; {view.state}"
        + (f", current step {view.current_step}" if view.current_step else "")
    )
    zone = ZoneInfo(view.zone) if view.zone else None
    columns = ("step", "state", "opens on", "deadline", "reminders", "escalated",
               "approved by", "outstanding")  # fmt: skip
    rows = [
        (
            step.step,
            step.settled_by or step.state,
            _day(step.opened_at or step.opens_at, zone),
            _day(step.deadline, zone),
            str(step.reminders_sent),
            ", ".join(step.escalations),
            step.approved_by or "",
            ", ".join(step.outstanding) + (f" ({step.waiting_for})" if step.waiting_for else ""),
        )
        for step in view.steps
    ]
    if console.width >= WIDE_STATUS:
        table = Table()
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:  # a table of eight columns would cut every name short: a step a paragraph
        for step, *facts in rows:
            said = "; ".join(
                f"{name} {fact}" for name, fact in zip(columns[1:], facts, strict=True) if fact
            )
            console.print(f"[bold]{step}[/bold]: {said}", highlight=False)
    if view.report is not None:
        print_report(console, view.report, zone)
    if view.overdue:
        console.print("[bold red]overdue[/bold red]")
        for item in view.overdue:
            console.print(
                f"  {item.party} on {item.step} since {item.since.strftime('%d %b %Y')} "
                f"(escalated: {item.rung})"
            )
    else:
        console.print("no one is overdue")


def print_report(console: Console, report: ReportView, zone: ZoneInfo | None) -> None:
    """The report's versions: which ASEC submitted, which went to the JCM, who still owes."""
    if not report.versions:
        console.print("annual report: no version drafted yet")
        return
    console.print("[bold]annual report[/bold]")
    by_asec = report.draft_submitted.version if report.draft_submitted else None
    for v in report.versions:
        marks = {"submitted by ASEC": by_asec, "submitted to the JCM": report.submitted_to_jcm,
                 "returned for revision": report.returned}  # fmt: skip
        said = "; ".join(mark for mark, version in marks.items() if version == v.version)
        console.print(
            f"  version {v.version}: sha256 {v.document_sha256}, as of position "
            f"{v.as_of_position}, drafted {_day(v.drafted_at, zone)} by {v.drafted_by}"
            + (f" ({said})" if said else ""),
            soft_wrap=True,
        )
    latest = report.versions[-1].version
    if report.still_to_submit:
        console.print(f"  still to submit version {latest} to the JCM: "
                      + ", ".join(report.still_to_submit))  # fmt: skip


def _day(moment: datetime | None, zone: ZoneInfo | None) -> str:
    """The day in the plan's own zone (a step opens at midnight there, the day before in
    UTC); cycles recorded before their plan was have no zone, and show UTC."""
    if moment is None:
        return ""
    return (moment.astimezone(zone) if zone else moment).strftime("%a %d %b %Y")


def print_lag(console: Console, lag: ReadLag) -> None:
    """Only when the read models trail the store: what was read may lack recent facts."""
    if lag.behind:
        console.print(
            f"[yellow]read models at position {lag.projected_position} of {lag.store_head}"
            f"[/yellow] ({lag.behind} event(s) not projected yet; is `ascn project` running?)",
            soft_wrap=True,
        )
