"""The mail outbox: a work queue of one mail per recipient of each reminder and escalation.

The cycle workflow records ``ReminderSent`` (to those who still owe something)
and ``StepEscalated`` (to the next rung of the ladder). ``OutboxProjection``,
run by the projector, turns each into rows of ``rm_outbox``, one per recipient,
in the same transaction that advances its checkpoint; ``mail.dispatch`` takes
the due rows, sends them and marks what became of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from domain.contacts import Contacts, party_of
from domain.events import DeadlineExtended, ReminderSent, StepEscalated, StepOpened
from domain.streams import cycle_stream
from eventstore.codec import to_domain
from eventstore.engine import is_postgresql
from eventstore.readmodels.schema import outbox
from eventstore.records import RecordedEvent
from eventstore.schema import events as events_table
from eventstore.store import to_recorded
from mail.rules import Kind, due_at, message_id, subject_for

OutboxState = Literal["queued", "delivered", "failed"]
NAME = "outbox"
_DEADLINES = ("StepOpened", "DeadlineExtended")
Deadlines = dict[tuple[int, str], datetime]


class OutboxProjection:
    name = NAME
    event_types: frozenset[str] | None = frozenset(("ReminderSent", "StepEscalated", *_DEADLINES))

    def __init__(self, contacts: Contacts | None = None) -> None:
        self._contacts = contacts or Contacts.load()

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        facts = [(to_domain(event), event) for event in events]
        years = {fact.year for fact, _ in facts if isinstance(fact, ReminderSent | StepEscalated)}
        deadlines = _deadlines_before(conn, years, events[0].position)
        queued: dict[str, dict[str, Any]] = {}
        for fact, event in facts:
            if isinstance(fact, StepOpened | DeadlineExtended):
                if event.stream_id == cycle_stream(fact.year):
                    deadlines[(fact.year, fact.step)] = _deadline_of(fact)
            elif isinstance(fact, ReminderSent | StepEscalated):
                for row in self._rows(fact, event, deadlines.get((fact.year, fact.step))):
                    queued.setdefault(row["message_id"], row)
        if queued:
            insert = pg_insert if is_postgresql(conn) else sqlite_insert
            conn.execute(insert(outbox).on_conflict_do_nothing(), list(queued.values()))

    def _rows(
        self, fact: ReminderSent | StepEscalated, event: RecordedEvent, deadline: datetime | None
    ) -> list[dict[str, Any]]:
        if isinstance(fact, ReminderSent):
            kind: Kind = "reminder"
            recipients = tuple(dict.fromkeys(party_of(r) for r in fact.recipients))
            outstanding: tuple[str, ...] = ()
        else:
            kind = "escalation"
            recipients = (party_of(fact.escalated_to),)
            outstanding = fact.outstanding
        anchor = deadline.isoformat() if deadline is not None else f"@{event.position}"
        rows = []
        for recipient in recipients:
            contact = self._contacts.get(recipient)
            if contact is None:
                continue  # no address known: nothing to queue (the cycle still records it)
            rows.append(
                {
                    "message_id": message_id(fact.year, fact.step, fact.rung, anchor, recipient),
                    "year": fact.year, "step": fact.step, "rung": fact.rung, "kind": kind,
                    "recipient": recipient, "address": contact.email,
                    "delivery": contact.delivery,
                    "subject": subject_for(kind, fact.year, fact.step, fact.rung, deadline),
                    "deadline": deadline, "deadline_offset_minutes": _offset_minutes(deadline),
                    "outstanding": list(outstanding), "state": "queued", "attempts": 0,
                    "next_attempt_at": due_at(event.occurred_at, contact.delivery),
                    "last_error": None, "created_position": event.position,
                }
            )  # fmt: skip
        return rows


def outbox_rows(engine: Engine, year: int | None = None) -> list[dict[str, Any]]:
    """Every outbox row (of ``year``), oldest first."""
    query = select(outbox).order_by(outbox.c.created_position, outbox.c.recipient)
    if year is not None:
        query = query.where(outbox.c.year == year)
    with engine.connect() as conn:
        return [row._asdict() for row in conn.execute(query)]


def waiting(engine: Engine) -> int:
    """Mails queued and not yet sent, due or not."""
    with engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.state == "queued")
        return int(conn.execute(query).scalar_one())


def due_rows(engine: Engine, now: datetime) -> list[dict[str, Any]]:
    """The queued rows due by ``now``, oldest first."""
    query = (
        select(outbox)
        .where(and_(outbox.c.state == "queued", outbox.c.next_attempt_at <= now))
        .order_by(outbox.c.created_position, outbox.c.recipient)
    )
    with engine.connect() as conn:
        return [row._asdict() for row in conn.execute(query)]


def mark(
    engine: Engine,
    message_id: str,
    *,
    state: OutboxState,
    attempts: int,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
) -> None:
    values: dict[str, Any] = {"state": state, "attempts": attempts, "last_error": error}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    with engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.message_id == message_id).values(**values))


def _deadlines_before(conn: Connection, years: set[int], position: int) -> Deadlines:
    """Each step's deadline as the cycle streams of ``years`` stood before ``position``."""
    if not years:
        return {}
    rows = conn.execute(
        select(events_table)
        .where(
            events_table.c.stream_id.in_(sorted(cycle_stream(year) for year in years)),
            events_table.c.position < position,
            events_table.c.type.in_(_DEADLINES),
        )
        .order_by(events_table.c.position)
    )
    deadlines: Deadlines = {}
    for row in rows:
        fact = to_domain(to_recorded(row))
        if isinstance(fact, StepOpened | DeadlineExtended):
            deadlines[(fact.year, fact.step)] = _deadline_of(fact)
    return deadlines


def _deadline_of(fact: StepOpened | DeadlineExtended) -> datetime:
    return fact.deadline if isinstance(fact, StepOpened) else fact.new_deadline


def _offset_minutes(deadline: datetime | None) -> int | None:
    offset = None if deadline is None else deadline.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)
