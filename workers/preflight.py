"""What a worker checks before it takes work: that the store is the one its cycles
ran against.

Temporal keeps a cycle's progress; the store keeps its facts. A worker started against
another store (another folder's `.ascn/`, a wrong ASCN_DB_URL, a database never
migrated) would resume every running cycle there: its activities would record into
streams that lack the cycle's earlier facts, and the read models would show a cycle
that began in the middle. So the worker refuses to start, in one line, naming what
is missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import structlog
from sqlalchemy import Engine
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from domain.streams import cycle_stream
from eventstore import migrate
from eventstore.store import EventStore
from workflows.cycle import CycleWorkflow
from workflows.messages import CycleInput

log = structlog.get_logger("ascn.worker")
RUNNING_CYCLES = "WorkflowType = 'AscnCycle' AND ExecutionStatus = 'Running'"
RECORDS_A_FACT = "record_cycle_fact"
_CYCLE_ID = re.compile(r"^ascn-cycle-(\d{4})$")


class StoreNotReady(Exception):
    """The store is not the one the running cycles need; the message says why."""


def store_label(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def require_migrated(engine: Engine) -> None:
    current, head = migrate.revisions(engine)
    if current != head:
        at = f"at revision {current}" if current else "not migrated"
        raise StoreNotReady(
            f"the event store {store_label(engine)} is {at}, not {head}: run `ascn migrate` "
            "on it first, or point ASCN_DB_URL at the store the cycles run against"
        )


async def require_running_cycles_streams(client: Client, store: EventStore) -> None:
    """Every running cycle that recorded a fact must find its stream in ``store``."""
    missing: list[str] = []
    async for execution in client.list_workflows(RUNNING_CYCLES):
        year = await _year_recorded(client, execution.id, execution.run_id)
        if year is not None and store.stream_version(cycle_stream(year)) == 0:
            missing.append(f"{execution.id} ({cycle_stream(year)})")
    if missing:
        raise StoreNotReady(
            f"the event store {store_label(store.engine)} lacks the facts of running "
            f"{'cycles' if len(missing) > 1 else 'cycle'} {', '.join(missing)}: point "
            "ASCN_DB_URL (or ascn up --data-dir) at the store those cycles ran against"
        )


async def _year_recorded(client: Client, cycle_id: str, run_id: str | None) -> int | None:
    """The cycle's year once it has recorded a fact (a run continued as new has); None
    before its first fact, when its stream may rightly not exist yet."""
    handle = client.get_workflow_handle_for(CycleWorkflow.run, cycle_id, run_id=run_id)
    year: int | None = None
    recording: set[int] = set()
    async for event in handle.fetch_history_events():
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            started = event.workflow_execution_started_event_attributes
            year = await _year_of(client, cycle_id, started.input.payloads)
            if year is None or started.continued_execution_run_id:
                return year
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event.activity_task_scheduled_event_attributes
            if scheduled.activity_type.name == RECORDS_A_FACT:
                recording.add(event.event_id)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            completed = event.activity_task_completed_event_attributes
            if completed.scheduled_event_id in recording:
                return year
    return None


async def _year_of(client: Client, cycle_id: str, payloads: Sequence[Payload]) -> int | None:
    """The year of the plan the cycle runs (ascn's own cycles say it in their id too)."""
    try:
        (cycle,) = await client.data_converter.decode(payloads, [CycleInput])
    except Exception:  # a payload this worker cannot read: the id may still say
        found = _CYCLE_ID.match(cycle_id)
        if found is None:
            log.warning("cannot tell the year of a running cycle", workflow_id=cycle_id)
            return None
        return int(found.group(1))
    return cycle.plan.year if isinstance(cycle, CycleInput) else None
