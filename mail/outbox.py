"""The mail outbox: a work queue of one mail per recipient of each reminder and escalation.

The cycle workflow records ``ReminderSent`` (to those who still owe something)
and ``StepEscalated`` (to the next rung of the ladder). ``OutboxProjection``,
run by the projector, turns each into rows of ``rm_outbox``, one per recipient,
in the same transaction that advances its checkpoint; ``mail.dispatch`` takes
the due rows, sends them and marks what became of them.

A mail to a daily recipient joins that recipient's digest of the day as it is queued
(``digest_id``). A digest the dispatcher has already tried is closed: a mail queued
for it afterwards (its fact was recorded before midnight but projected after the
digest went out) starts a follow-up digest of its own, so that what went out under
one Message-ID never changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.engine import Connection

from domain.contacts import Contacts, party_of
from domain.events import DeadlineExtended, ReminderSent, StepEscalated, StepOpened
from domain.streams import cycle_stream
from eventstore.codec import to_domain
from eventstore.readmodels import bulk
from eventstore.readmodels.schema import outbox
from eventstore.records import RecordedEvent
from eventstore.schema import events as events_table
from eventstore.store import to_recorded
from mail.rules import Kind, digest_message_id, due_at, message_ids, subject_for

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
            _follow_up_closed_digests(conn, list(queued.values()))
            # A mail already queued (or sent) keeps its row: its id says it is the same mail.
            bulk.insert_new_rows(conn, outbox, list(queued.values()))

    def _rows(
        self, fact: ReminderSent | StepEscalated, event: RecordedEvent, deadline: datetime | None
    ) -> list[dict[str, Any]]:
        if isinstance(fact, ReminderSent):
            kind: Kind = "reminder"
            recipients = tuple(dict.fromkeys(map(party_of, fact.recipients)))
            outstanding: tuple[str, ...] = ()
        else:
            kind = "escalation"
            recipients = (party_of(fact.escalated_to),)
            outstanding = fact.outstanding
        anchor = deadline.isoformat() if deadline is not None else f"@{event.position}"
        # What every recipient's row shares, worked out once.
        shared = {
            "year": fact.year, "step": fact.step, "rung": fact.rung, "kind": kind,
            "subject": subject_for(kind, fact.year, fact.step, fact.rung, deadline),
            "deadline": deadline, "deadline_offset_minutes": _offset_minutes(deadline),
            "state": "queued", "attempts": 0, "last_error": None,
            "created_position": event.position,
        }  # fmt: skip
        due_by: dict[str, datetime] = {}
        found = [
            (recipient, contact)
            for recipient in recipients
            # No address known: nothing to queue (the cycle still records it).
            if (contact := self._contacts.contacts.get(recipient)) is not None
        ]
        ids = message_ids(fact.year, fact.step, fact.rung, anchor, [r for r, _ in found])
        rows = []
        for (recipient, contact), mail_id in zip(found, ids, strict=True):
            delivery = contact.delivery
            due = due_by.get(delivery) or due_by.setdefault(
                delivery, due_at(event.occurred_at, delivery)
            )
            rows.append(
                {
                    **shared,
                    "message_id": mail_id, "recipient": recipient, "address": contact.email,
                    "delivery": delivery, "outstanding": list(outstanding),
                    "next_attempt_at": due,
                    "digest_id": (
                        digest_message_id(fact.year, recipient, due)
                        if delivery == "daily"
                        else None
                    ),
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
    rows: Sequence[dict[str, Any]],
    *,
    state: OutboxState,
    tried: bool = True,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
) -> None:
    """What became of ``rows`` (one mail, or one digest's mails), in one transaction.
    ``tried``: this pass handed them to the transport (one more attempt each)."""
    values: dict[str, Any] = {"state": state, "last_error": error}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    with engine.begin() as conn:
        for row in rows:
            attempts = row["attempts"] + (1 if tried else 0)
            conn.execute(
                update(outbox)
                .where(outbox.c.message_id == row["message_id"])
                .values(attempts=attempts, **values)
            )


def _follow_up_closed_digests(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """A mail for a digest the dispatcher has tried (sent, failed or retrying) starts a
    follow-up digest: what went out under the first id stays what it was."""
    wanted = {row["digest_id"] for row in rows if row["digest_id"] is not None}
    if not wanted:
        return
    closed = set(
        conn.execute(
            select(outbox.c.digest_id)
            .where(
                outbox.c.digest_id.in_(sorted(wanted)),
                or_(outbox.c.state != "queued", outbox.c.attempts > 0),
            )
            .distinct()
        ).scalars()
    )
    follow_ups: dict[str, str] = {}
    for row in rows:
        if row["digest_id"] in closed:
            first = follow_ups.setdefault(row["digest_id"], row["message_id"])
            row["digest_id"] = digest_message_id(
                row["year"], row["recipient"], row["next_attempt_at"], follow_up_of=first
            )


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
