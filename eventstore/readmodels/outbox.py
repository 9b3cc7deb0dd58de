"""The mail outbox: one queued mail per recipient of each reminder and escalation.

The cycle workflow already records ``ReminderSent`` (to those who still owe
something) and ``StepEscalated`` (to the next rung of the ladder). This
projection turns each into rows of ``rm_outbox``, one per recipient, in the same
transaction that advances its checkpoint; ``mail.dispatch`` sends them and
records ``MailDelivered`` / ``MailFailed`` in the ``outbox-<year>`` stream.

The message id is derived from (year, step, rung, deadline, recipient), so the
same reminder for the same deadline is queued at most once, even if the cycle
records it twice; after an extension, the new deadline makes a new mail.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, select
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

OutboxState = Literal["queued", "delivered", "failed"]
Kind = Literal["reminder", "escalation"]
CALENDAR_ZONE = "Asia/Jakarta"
"""Where daily digests fall due at midnight (``domain.calendar.recurring``'s default zone)."""


def outbox_stream(year: int) -> str:
    return f"outbox-{year}"


def message_id(year: int, step: str, rung: str, anchor: str, recipient: str) -> str:
    """``<32 hex@ascn>``: the same inputs always give the same Message-ID."""
    key = "|".join((str(year), step, rung, anchor, recipient))
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@ascn>"


def subject_for(kind: Kind, year: int, step: str, rung: str, deadline: datetime | None) -> str:
    due = f", due {local_day(deadline)}" if deadline is not None else ""
    if kind == "reminder":
        return f"[ASCN {year}] Reminder ({rung}): {step}{due}"
    return f"[ASCN {year}] Escalation ({rung}): {step} is overdue"


def local_day(instant: datetime) -> str:
    """The day in the calendar's own terms: a deadline keeps the offset it was set with."""
    return instant.strftime("%Y-%m-%d")


class OutboxProjection:
    name = "outbox"

    def __init__(self, contacts: Contacts | None = None) -> None:
        self._contacts = contacts or Contacts.load()

    def apply(self, conn: Connection, event: RecordedEvent) -> None:
        if event.type not in ("ReminderSent", "StepEscalated"):
            return
        fact = to_domain(event)
        if isinstance(fact, ReminderSent):
            kind: Kind = "reminder"
            recipients = tuple(dict.fromkeys(party_of(r) for r in fact.recipients))
            outstanding: tuple[str, ...] = ()
        elif isinstance(fact, StepEscalated):
            kind = "escalation"
            recipients = (party_of(fact.escalated_to),)
            outstanding = fact.outstanding
        else:  # pragma: no cover - the type check above rules this out
            return
        deadline = _deadline_at(conn, fact.year, fact.step, event.position)
        anchor = deadline.isoformat() if deadline is not None else f"@{event.position}"
        for recipient in recipients:
            contact = self._contacts.get(recipient)
            if contact is None:
                continue  # no address known: nothing to queue (the cycle still records it)
            due = event.occurred_at
            if contact.delivery == "daily":
                due = _next_local_midnight(event.occurred_at)
            row = {
                "message_id": message_id(fact.year, fact.step, fact.rung, anchor, recipient),
                "year": fact.year,
                "step": fact.step,
                "rung": fact.rung,
                "kind": kind,
                "recipient": recipient,
                "address": contact.email,
                "delivery": contact.delivery,
                "subject": subject_for(kind, fact.year, fact.step, fact.rung, deadline),
                "deadline": deadline,
                "deadline_offset_minutes": _offset_minutes(deadline),
                "outstanding": list(outstanding),
                "state": "queued",
                "attempts": 0,
                "next_attempt_at": due,
                "last_error": None,
                "created_position": event.position,
            }
            insert = pg_insert if is_postgresql(conn) else sqlite_insert
            conn.execute(insert(outbox).values(**row).on_conflict_do_nothing())


def outbox_rows(engine: Engine, year: int | None = None) -> list[dict[str, Any]]:
    """Every outbox row (of ``year``), oldest first."""
    query = select(outbox).order_by(outbox.c.created_position, outbox.c.recipient)
    if year is not None:
        query = query.where(outbox.c.year == year)
    with engine.connect() as conn:
        return [row._asdict() for row in conn.execute(query)]


def _deadline_at(conn: Connection, year: int, step: str, position: int) -> datetime | None:
    """The step's deadline as the cycle stream stood at ``position``."""
    rows = conn.execute(
        select(events_table)
        .where(
            and_(
                events_table.c.stream_id == cycle_stream(year),
                events_table.c.position <= position,
                events_table.c.type.in_(("StepOpened", "DeadlineExtended")),
            )
        )
        .order_by(events_table.c.position)
    )
    deadline: datetime | None = None
    for row in rows:
        fact = to_domain(to_recorded(row))
        if isinstance(fact, StepOpened) and fact.step == step:
            deadline = fact.deadline
        elif isinstance(fact, DeadlineExtended) and fact.step == step:
            deadline = fact.new_deadline
    return deadline


def _next_local_midnight(instant: datetime) -> datetime:
    zone = ZoneInfo(CALENDAR_ZONE)
    local = instant.astimezone(zone)
    start = datetime(local.year, local.month, local.day, tzinfo=zone)
    return start + timedelta(days=1)


def _offset_minutes(deadline: datetime | None) -> int | None:
    offset = None if deadline is None else deadline.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)
