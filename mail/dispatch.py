"""Sending the queued mails of the outbox, and recording what became of them.

``dispatch`` first catches the outbox projection up (so every ReminderSent and
StepEscalated recorded so far has its rows), then sends each due queued row:

* delivered: ``MailDelivered`` is appended to ``outbox-<year>`` with an event id
  derived from the row's message id (a retry records it once), then the row is
  marked delivered. A row whose ``MailDelivered`` is already in the store (a
  crash between the append and the row update) is marked without re-sending;
* a transient failure (no connection, a timeout, a 4xx reply) keeps the row
  queued, with an exponential backoff;
* a permanent failure (a 5xx reply) appends ``MailFailed`` and marks it failed.

Recipients whose contact says ``daily`` get one digest listing all their due
rows (their rows fall due at the next local midnight after being queued).

Honestly: SMTP cannot be exactly-once. A crash (or a lost connection) after the
server's final 250 and before our commit leaves the row queued, and the next
dispatch sends the mail again, once. It carries the same Message-ID (the
deterministic id of the row, or of the digest's rows), so a receiving system
can drop the duplicate. A delivered row is never sent again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, and_, select, update

from domain.actors import Actor
from domain.contacts import Contacts
from domain.events import DomainEvent, MailDelivered, MailFailed
from eventstore.codec import to_new_event
from eventstore.projections import ProjectionRunner
from eventstore.readmodels.outbox import OutboxProjection, outbox_stream
from eventstore.readmodels.schema import outbox
from eventstore.store import EventStore
from mail.render import Item, render
from mail.transport import DeliveryError, Transport

MAILER = Actor(id="mailer", role="system")
EVENT_ID_NAMESPACE = uuid.UUID("0b6f8a0e-51c1-4f7e-9d8c-6d1f2e7a2018")
MAX_BACKOFF = timedelta(hours=1)


def event_id_for(message_id: str, outcome: str) -> uuid.UUID:
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{message_id}#{outcome}")


def backoff(attempts: int) -> timedelta:
    """1, 2, 4... minutes after the n-th failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DispatchReport:
    queued: int = 0
    """Rows the projection queued in this run."""
    sent: list[str] = field(default_factory=list)
    """Message-IDs handed to the transport and accepted."""
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


async def dispatch(
    engine: Engine,
    transport: Transport,
    *,
    sender: str,
    contacts: Contacts | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DispatchReport:
    """Queue what the store calls for, then send every due queued mail once."""
    contacts = contacts or Contacts.load()
    report = DispatchReport()
    before = _count(engine)
    ProjectionRunner(engine, OutboxProjection(contacts)).catch_up()
    report.queued = _count(engine) - before
    store = EventStore(engine)
    now = clock()
    for group in _due_groups(engine, now):
        await _send_group(engine, store, transport, group, sender, contacts, now, report)
    return report


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(outbox.c.message_id)).all())


def _due_groups(engine: Engine, now: datetime) -> list[list[dict[str, Any]]]:
    query = (
        select(outbox)
        .where(and_(outbox.c.state == "queued", outbox.c.next_attempt_at <= now))
        .order_by(outbox.c.created_position, outbox.c.recipient)
    )
    with engine.connect() as conn:
        rows = [row._asdict() for row in conn.execute(query)]
    groups: list[list[dict[str, Any]]] = []
    digests: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["delivery"] == "daily":
            if row["recipient"] not in digests:
                digests[row["recipient"]] = []
                groups.append(digests[row["recipient"]])
            digests[row["recipient"]].append(row)
        else:
            groups.append([row])
    return groups


async def _send_group(
    engine: Engine,
    store: EventStore,
    transport: Transport,
    group: list[dict[str, Any]],
    sender: str,
    contacts: Contacts,
    now: datetime,
    report: DispatchReport,
) -> None:
    pending = [row for row in group if not _already_delivered(engine, store, row)]
    if not pending:
        return
    first = pending[0]
    if len(pending) == 1:
        mail_id, subject = first["message_id"], first["subject"]
    else:
        ids = "|".join(sorted(row["message_id"] for row in pending))
        mail_id = f"<{hashlib.sha256(ids.encode('utf-8')).hexdigest()[:32]}@ascn>"
        subject = f"[ASCN] Daily digest: {len(pending)} reminders and escalations"
    contact = contacts.get(first["recipient"])
    message = render(
        message_id=mail_id,
        subject=subject,
        sender=sender,
        to_name=contact.name if contact is not None else first["recipient"],
        to_address=first["address"],
        items=[_item(row) for row in pending],
        now=now,
    )
    try:
        await transport.send(message, [first["address"]])
    except DeliveryError as error:
        for row in pending:
            _failed(engine, store, row, error, now, report)
        return
    report.sent.append(mail_id)
    for row in pending:
        _record(store, row, MailDelivered, now, message_id=mail_id, outcome="delivered")
        _mark(engine, row["message_id"], state="delivered", attempts=row["attempts"] + 1)


def _already_delivered(engine: Engine, store: EventStore, row: dict[str, Any]) -> bool:
    if store.read_event(event_id_for(row["message_id"], "delivered")) is None:
        return False
    _mark(engine, row["message_id"], state="delivered", attempts=row["attempts"])
    return True


def _failed(
    engine: Engine,
    store: EventStore,
    row: dict[str, Any],
    error: DeliveryError,
    now: datetime,
    report: DispatchReport,
) -> None:
    attempts = row["attempts"] + 1
    if error.permanent:
        _record(
            store, row, MailFailed, now, message_id=row["message_id"], outcome="failed",
            reason=error.reason[:500] or "refused", permanent=True,
        )  # fmt: skip
        _mark(engine, row["message_id"], state="failed", attempts=attempts, error=error.reason)
        report.failed.append(row["message_id"])
        return
    _mark(
        engine, row["message_id"], state="queued", attempts=attempts, error=error.reason,
        next_attempt_at=now + backoff(attempts),
    )  # fmt: skip
    report.retrying.append(row["message_id"])


def _item(row: dict[str, Any]) -> Item:
    return Item(
        year=row["year"],
        step=row["step"],
        rung=row["rung"],
        kind=row["kind"],
        recipient=row["recipient"],
        deadline=_local(row["deadline"], row["deadline_offset_minutes"]),
        outstanding=tuple(row["outstanding"]),
    )


def _record(
    store: EventStore,
    row: dict[str, Any],
    cls: type[MailDelivered] | type[MailFailed],
    now: datetime,
    *,
    message_id: str,
    outcome: str,
    **extra: Any,
) -> None:
    event: DomainEvent = cls(
        year=row["year"],
        step=row["step"],
        rung=row["rung"],
        recipient=row["recipient"],
        message_id=message_id,
        **extra,
    )
    new = to_new_event(
        event,
        event_id=event_id_for(row["message_id"], outcome),
        occurred_at=now,
        actor=MAILER,
    )
    store.append(outbox_stream(row["year"]), [new], expected_version=None)


def _mark(
    engine: Engine,
    message_id: str,
    *,
    state: str,
    attempts: int,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
) -> None:
    values: dict[str, Any] = {"state": state, "attempts": attempts, "last_error": error}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    with engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.message_id == message_id).values(**values))


def _local(deadline: datetime | None, offset_minutes: int | None) -> datetime | None:
    """The deadline back in the offset its calendar set it with (stored as UTC)."""
    if deadline is None or offset_minutes is None:
        return deadline
    return deadline.astimezone(timezone(timedelta(minutes=offset_minutes)))
