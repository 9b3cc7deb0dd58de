"""The demo: the 2018 nominations recorded through the rules, projected and verified."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from activities.nominations import (
    GrantExceptionRequest,
    NominationActivities,
    SubmitNominationsRequest,
)
from ascn.bootstrap import Services
from ascn.demo import scenario_2018 as scenario
from ascn.timeline import timeline_line
from domain.reference import ReferenceData
from eventstore import migrate
from eventstore.projections import ProjectionRunner
from eventstore.readmodels.nominations import NominationsProjection, accepted_nominations
from eventstore.verify import verify_store


def run_demo(built: Services, reference: ReferenceData, console: Console) -> bool:
    """Record the 2018 nominations; print the timeline and the accepted list. True if intact."""
    migrate.upgrade(built.engine)
    activities = NominationActivities(built.store, reference)
    command, granted_at = scenario.malaysia_exception()
    recorded = [
        activities.grant_exception(
            GrantExceptionRequest(
                idempotency_key="demo-2018/exception/MY", command=command, granted_at=granted_at
            )
        )
    ]
    for submission in scenario.nominations(reference):
        recorded.append(
            activities.submit_nominations(
                SubmitNominationsRequest(
                    idempotency_key=f"demo-2018/nominations/{submission.member_state}",
                    command=submission,
                )
            )
        )
    ProjectionRunner(built.engine, NominationsProjection()).catch_up()

    positions = {position for result in recorded for position in result.positions}
    events = sorted(
        (event for event in built.store.iter_all() if event.position in positions),
        key=lambda event: event.occurred_at,
    )
    timeline = Table(title=f"ASCN {scenario.YEAR}: nominations (deadline end-February)")
    for column in ("when (Singapore time)", "who", "what"):
        timeline.add_column(column)
    for event in events:
        timeline.add_row(*timeline_line(event, scenario.CALENDAR_ZONE))
    console.print(timeline)

    accepted = accepted_nominations(built.engine, scenario.YEAR)
    summary = Table(title=f"Accepted nominations {scenario.YEAR}: {len(accepted)} cities")
    for column in ("AMS", "city", "capital", "late", "exception"):
        summary.add_column(column)
    for row in accepted:
        summary.add_row(
            row.member_state,
            row.city,
            "yes" if row.capital else "",
            "late" if row.late else "",
            ", ".join(e.exception_id for e in row.exceptions),
        )
    console.print(summary)
    again = all(result.already_recorded for result in recorded)
    if again:
        console.print("Every fact was already in the store: nothing was recorded twice.")
    report = verify_store(built.store)
    console.print(
        f"verify: {report.events_checked} events in {report.streams_checked} streams, "
        + ("every hash chain intact" if report.ok else f"BROKEN: {report.broken}")
    )
    return report.ok
