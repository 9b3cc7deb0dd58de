"""Stored events as lines a person reads: date, who, what."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from ascn.bootstrap import Services
from domain.calendar import CyclePlan
from domain.membership import MEMBERSHIP_STREAM
from domain.narrative import DATE, narrate
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_domain
from eventstore.readmodels.nominations import accepted_nominations
from eventstore.records import RecordedEvent
from eventstore.store import EventStore
from eventstore.verify import verify_store

__all__ = ["DATE", "cycle_events", "narrate", "print_summary", "print_timeline"]


def cycle_events(store: EventStore, year: int, member_states: Iterable[str]) -> list[RecordedEvent]:
    streams = [cycle_stream(year), *(nominations_stream(code) for code in member_states),
               MEMBERSHIP_STREAM]  # fmt: skip
    found = [e for stream in streams for e in store.read_stream(stream)]
    mine = [e for e in found if e.data.get("year") in (year, None)]
    return sorted(mine, key=lambda e: (e.occurred_at, e.position))


def print_timeline(store: EventStore, console: Console, plan: CyclePlan) -> None:
    zone = ZoneInfo(plan.zone)
    console.print(f"[bold]ASCN cycle {plan.year}[/bold]  (dates in {plan.zone}; * capital)")
    for event in cycle_events(store, plan.year, plan.member_states):
        when = event.occurred_at.astimezone(zone).strftime(DATE)
        line = f"  {when}  {narrate(to_domain(event), zone)}  [dim]{event.actor}[/dim]"
        console.print(line, soft_wrap=True)


def print_summary(built: Services, console: Console, year: int) -> bool:
    accepted = accepted_nominations(built.engine, year)
    table = Table(title=f"Accepted nominations {year}: {len(accepted)} cities")
    for column in ("AMS", "city", "capital", "late", "exception"):
        table.add_column(column)
    for row in accepted:
        table.add_row(
            row.member_state, row.city, "yes" if row.capital else "", "late" if row.late else "",
            ", ".join(e.exception_id for e in row.exceptions),
        )  # fmt: skip
    console.print(table)
    report = verify_store(built.store)
    console.print(
        f"verify: {report.events_checked} events in {report.streams_checked} streams, "
        + ("every hash chain intact" if report.ok else f"BROKEN: {report.broken}")
    )
    return report.ok
