"""Where each yearly cycle stands, projected from the event store.

Three tables: the cycle (``rm_cycles``), its steps (``rm_steps``) and who is
overdue on which step (``rm_overdue``). An escalation makes each party it names
overdue on the step; a nomination (or nil return) from a member state clears its
``nr:<AMS>`` on the nomination step; approving, waiving or completing a step
clears the step. What was still owed at completion stays on the step, for the
JCM report.

The queries read these tables only, by primary key or a prefix of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, Row, and_, case, delete, insert, select, update
from sqlalchemy.engine import Connection

from domain.events import (
    CycleCompleted,
    CycleOpened,
    DeadlineExtended,
    NilReturnDeclared,
    NominationsSubmitted,
    Noted,
    ReminderSent,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
    StepWaived,
)
from eventstore.codec import to_domain
from eventstore.engine import is_postgresql
from eventstore.readmodels.schema import cycles, overdue, steps
from eventstore.records import RecordedEvent

NOMINATION_STEP = "nomination_deadline"
"""The step a member state discharges by submitting (or declaring a nil return)."""

CYCLE_EVENTS = {
    "CycleOpened",
    "StepOpened",
    "ReminderSent",
    "DeadlineExtended",
    "StepEscalated",
    "StepApproved",
    "StepWaived",
    "StepCompleted",
    "Noted",
    "CycleCompleted",
}
HANDLED = CYCLE_EVENTS | {"NominationsSubmitted", "NilReturnDeclared"}

StepEvent = (
    StepOpened
    | ReminderSent
    | DeadlineExtended
    | StepEscalated
    | StepApproved
    | StepWaived
    | StepCompleted
)
CycleState = Literal["open", "completed"]
StepState = Literal["pending", "open", "approved", "waived", "completed"]
Settlement = Literal["approved", "waived"]


class OverdueItem(BaseModel):
    """A party that still owes something on a step whose deadline escalated."""

    model_config = ConfigDict(frozen=True)

    year: int
    step: str
    party: str
    rung: str
    """The latest escalation rung that named the party."""
    since: datetime
    """When an escalation first named the party."""


class StepView(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: str
    state: StepState
    settled_by: Settlement | None
    """Once completed: whether the step had been approved or waived."""
    opened_at: datetime | None
    deadline: datetime | None
    extensions: int
    approved_by: str | None
    """The actor label of the approval."""
    completed_at: datetime | None
    outstanding: tuple[str, ...]
    """Who still owed something when the step completed (for the JCM report)."""
    escalations: tuple[str, ...]
    reminders_sent: int
    noted: tuple[str, ...]
    """E.g. ``endorsed by ACC``."""


class CycleSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    chair: str
    shepherd: str
    template: str
    state: CycleState
    current_step: str | None
    """The last opened step not yet completed."""
    opened_at: datetime
    completed_at: datetime | None
    position: int
    """The global position of the last cycle event applied to this year."""


class CycleView(CycleSummary):
    steps: tuple[StepView, ...]
    """In the order they opened."""
    overdue: tuple[OverdueItem, ...]


class CycleProjection:
    name = "cycles"

    def apply(self, conn: Connection, event: RecordedEvent) -> None:
        if event.type not in HANDLED:
            return
        fact = to_domain(event)
        if isinstance(fact, NominationsSubmitted | NilReturnDeclared):
            _clear_overdue(conn, fact.year, NOMINATION_STEP, f"nr:{fact.member_state}")
            return
        if isinstance(fact, CycleOpened):
            _open_cycle(conn, fact, event)
            return
        if isinstance(fact, StepEvent | Noted | CycleCompleted):
            _apply_to_cycle(conn, fact, event)


def cycle_view(engine: Engine, year: int) -> CycleView | None:
    with _reading(engine) as conn:
        row = conn.execute(select(cycles).where(cycles.c.year == year)).first()
        if row is None:
            return None
        step_rows = conn.execute(
            select(steps).where(steps.c.year == year).order_by(steps.c.order_position)
        ).all()
        return CycleView(
            **_summary_fields(row),
            steps=tuple(_step_view(step) for step in step_rows),
            overdue=tuple(_overdue_items(conn, year)),
        )


def list_cycles(engine: Engine) -> list[CycleSummary]:
    with _reading(engine) as conn:
        rows = conn.execute(select(cycles).order_by(cycles.c.year))
        return [CycleSummary(**_summary_fields(row)) for row in rows]


def overdue_items(engine: Engine, year: int) -> list[OverdueItem]:
    with _reading(engine) as conn:
        return _overdue_items(conn, year)


# -- applying events ---------------------------------------------------------


def _open_cycle(conn: Connection, fact: CycleOpened, event: RecordedEvent) -> None:
    conn.execute(
        insert(cycles).values(
            year=fact.year,
            chair=fact.chair,
            shepherd=fact.shepherd,
            template=fact.template,
            state="open",
            current_step=None,
            opened_at=event.occurred_at,
            completed_at=None,
            position=event.position,
        )
    )


def _apply_to_cycle(
    conn: Connection, fact: StepEvent | Noted | CycleCompleted, event: RecordedEvent
) -> None:
    """One event of a cycle stream: its step (if any), then the cycle's row."""
    at, position = event.occurred_at, event.position
    cycle: dict[str, Any] = {}
    if isinstance(fact, StepOpened):
        _update_step(
            conn, fact.year, fact.step, position,
            state=case((steps.c.state == "pending", "open"), else_=steps.c.state),
            opened_at=at, deadline=fact.deadline, order_position=position,
        )  # fmt: skip
        cycle["current_step"] = fact.step
    elif isinstance(fact, ReminderSent):
        _update_step(
            conn, fact.year, fact.step, position, reminders_sent=steps.c.reminders_sent + 1
        )
    elif isinstance(fact, DeadlineExtended):
        _update_step(
            conn, fact.year, fact.step, position,
            deadline=fact.new_deadline, extensions=steps.c.extensions + 1,
        )  # fmt: skip
    elif isinstance(fact, StepEscalated):
        _escalate(conn, fact, event)
    elif isinstance(fact, StepApproved | StepWaived):
        settled: Settlement = "approved" if isinstance(fact, StepApproved) else "waived"
        values: dict[str, Any] = {"approved_by": event.actor} if settled == "approved" else {}
        _update_step(
            conn, fact.year, fact.step, position,
            state=case((steps.c.state == "completed", steps.c.state), else_=settled), **values,
        )  # fmt: skip
        _clear_overdue(conn, fact.year, fact.step)
    elif isinstance(fact, StepCompleted):
        _update_step(
            conn, fact.year, fact.step, position,
            state="completed",
            settled_by=case(
                (steps.c.state.in_(("approved", "waived")), steps.c.state),
                else_=steps.c.settled_by,
            ),
            completed_at=at, outstanding=list(fact.outstanding),
        )  # fmt: skip
        _clear_overdue(conn, fact.year, fact.step)
        cycle["current_step"] = _last_open_step(conn, fact.year)
    elif isinstance(fact, Noted):
        _note(conn, fact, position)
    elif isinstance(fact, CycleCompleted):
        cycle.update(state="completed", completed_at=at, current_step=None)
    conn.execute(
        update(cycles).where(cycles.c.year == fact.year).values(position=position, **cycle)
    )


def _update_step(conn: Connection, year: int, step: str, position: int, **values: Any) -> None:
    """Update the step's row, first creating it as pending if no event named it yet.

    ``values`` may be SQL expressions of the row's current columns."""
    query = update(steps).where(_step_key(year, step)).values(position=position, **values)
    if conn.execute(query).rowcount == 0:
        conn.execute(
            insert(steps).values(
                year=year, step=step, state="pending", settled_by=None, opened_at=None,
                deadline=None, extensions=0, approved_by=None, completed_at=None,
                outstanding=[], escalations=[], reminders_sent=0, noted=[],
                order_position=position, position=position,
            )
        )  # fmt: skip
        conn.execute(query)


def _json_list(conn: Connection, column: Any, year: int, step: str) -> list[str]:
    value = conn.execute(select(column).where(_step_key(year, step))).scalar()
    return list(value or [])


def _last_open_step(conn: Connection, year: int) -> str | None:
    """The cycle's current step: the last opened of those not yet completed."""
    return conn.execute(
        select(steps.c.step)
        .where(steps.c.year == year, steps.c.state != "completed", steps.c.opened_at.is_not(None))
        .order_by(steps.c.order_position.desc())
        .limit(1)
    ).scalar()


def _escalate(conn: Connection, fact: StepEscalated, event: RecordedEvent) -> None:
    rungs = [*_json_list(conn, steps.c.escalations, fact.year, fact.step), fact.rung]
    _update_step(conn, fact.year, fact.step, event.position, escalations=rungs)
    parties = list(dict.fromkeys(fact.outstanding))
    if not parties:
        return
    key = and_(overdue.c.year == fact.year, overdue.c.step == fact.step)
    known = set(
        conn.execute(select(overdue.c.party).where(key, overdue.c.party.in_(parties))).scalars()
    )
    if known:
        conn.execute(
            update(overdue)
            .where(key, overdue.c.party.in_(known))
            .values(rung=fact.rung, position=event.position)
        )
    new = [party for party in parties if party not in known]
    if new:
        conn.execute(
            insert(overdue),
            [
                {
                    "year": fact.year,
                    "step": fact.step,
                    "party": party,
                    "rung": fact.rung,
                    "since": event.occurred_at,
                    "position": event.position,
                }
                for party in new
            ],
        )


def _note(conn: Connection, fact: Noted, position: int) -> None:
    """A body noted the report of the step at hand: the current step (the workflow
    records Noted just before completing it), else the step opened last."""
    step = conn.execute(select(cycles.c.current_step).where(cycles.c.year == fact.year)).scalar()
    if step is None:
        step = conn.execute(
            select(steps.c.step)
            .where(steps.c.year == fact.year)
            .order_by(steps.c.order_position.desc())
            .limit(1)
        ).scalar()
    if step is None:
        return
    noted = [*_json_list(conn, steps.c.noted, fact.year, step), f"{fact.decision} by {fact.body}"]
    _update_step(conn, fact.year, step, position, noted=noted)


def _clear_overdue(conn: Connection, year: int, step: str, party: str | None = None) -> None:
    query = delete(overdue).where(overdue.c.year == year, overdue.c.step == step)
    if party is not None:
        query = query.where(overdue.c.party == party)
    conn.execute(query)


def _step_key(year: int, step: str) -> Any:
    return and_(steps.c.year == year, steps.c.step == step)


# -- reading -----------------------------------------------------------------


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A connection in one read transaction, so that a view is one consistent
    snapshot (SQLite: the WAL snapshot; PostgreSQL: REPEATABLE READ)."""
    with engine.connect() as conn:
        if is_postgresql(conn):
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _summary_fields(row: Row[Any]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in CycleSummary.model_fields}


def _step_view(row: Row[Any]) -> StepView:
    return StepView(
        step=row.step,
        state=row.state,
        settled_by=row.settled_by,
        opened_at=row.opened_at,
        deadline=row.deadline,
        extensions=row.extensions,
        approved_by=row.approved_by,
        completed_at=row.completed_at,
        outstanding=tuple(row.outstanding),
        escalations=tuple(row.escalations),
        reminders_sent=row.reminders_sent,
        noted=tuple(row.noted),
    )


def _overdue_items(conn: Connection, year: int) -> list[OverdueItem]:
    rows = conn.execute(
        select(overdue)
        .where(overdue.c.year == year)
        .order_by(overdue.c.since, overdue.c.step, overdue.c.party)
    )
    return [
        OverdueItem(year=row.year, step=row.step, party=row.party, rung=row.rung, since=row.since)
        for row in rows
    ]
