"""Sending the queued mails of the outbox, and recording what became of them.

The projector queues the mails (``mail.outbox``); ``dispatch`` only sends what is
due, one mail at a time, or one digest (every due mail of one ``digest_id``):

* delivered: a ``MailDelivered`` per mail is appended to ``outbox-<year>``, a
  digest's all in one append (one transaction), with event ids derived from each
  row's message id (a retry records them once); then the rows are marked
  delivered. Rows whose ``MailDelivered`` is already in the store (a crash between
  the append and the row update) are marked without re-sending;
* a transient failure (no connection, a timeout, a 4xx reply) keeps the rows
  queued, with an exponential backoff;
* a permanent failure (a 5xx reply) appends ``MailFailed`` and marks them failed.

Recipients whose contact says ``daily`` get one digest of all their mails of a day
(they fall due at the next local midnight). Its Message-ID and its items were fixed
when its mails were queued, so a digest sent again is the same digest.

Honestly: SMTP cannot be exactly-once. A crash (or a lost connection) after the
server's final 250 and before our commit leaves the rows queued, and the next
dispatch sends the mail again, once, with the same Message-ID and the same items,
so a receiving system can drop the duplicate. A delivered row is never sent again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine

from domain.actors import Actor
from domain.contacts import Contacts
from domain.events import DomainEvent, MailDelivered, MailFailed
from eventstore.codec import to_new_event
from eventstore.store import EventStore
from mail.outbox import due_rows, mark, waiting
from mail.render import Item, render
from mail.rules import backoff, digest_subject, outbox_stream
from mail.transport import DeliveryError, Transport

MAILER = Actor(id="mailer", role="system")
EVENT_ID_NAMESPACE = uuid.UUID("0b6f8a0e-51c1-4f7e-9d8c-6d1f2e7a2018")


def event_id_for(message_id: str, outcome: str) -> uuid.UUID:
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{message_id}#{outcome}")


@dataclass
class DispatchReport:
    queued: int = 0
    """Mails waiting in the queue (due or not) when the pass began."""
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
    base_url: str | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> DispatchReport:
    """Send every due queued mail once (the projector queues them). ``base_url``: where
    the web pages are, for the links in each mail. ``stopping`` is asked before each mail
    (or digest): once it says yes, the pass ends there, so a dispatcher told to stop
    finishes the mail it is sending, records it, and sends no other."""
    contacts = contacts or Contacts.load()
    report = DispatchReport(queued=waiting(engine))
    store = EventStore(engine)
    now = clock()
    for mail_id, group in _due_groups(engine, now):
        if stopping():
            break
        await _send_group(
            engine, store, transport, mail_id, group, sender, contacts, now, report, base_url
        )
    return report


def _due_groups(engine: Engine, now: datetime) -> list[tuple[str, list[dict[str, Any]]]]:
    """(Message-ID, rows): one group per immediate mail, one per digest."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in due_rows(engine, now):
        groups.setdefault(row["digest_id"] or row["message_id"], []).append(row)
    return list(groups.items())


async def _send_group(
    engine: Engine,
    store: EventStore,
    transport: Transport,
    mail_id: str,
    group: list[dict[str, Any]],
    sender: str,
    contacts: Contacts,
    now: datetime,
    report: DispatchReport,
    base_url: str | None = None,
) -> None:
    recorded = [row for row in group if _delivery_recorded(store, row)]
    if recorded:
        mark(engine, recorded, state="delivered", tried=False)
    pending = [row for row in group if row not in recorded]
    if not pending:
        return
    first = pending[0]
    digest = first["digest_id"] is not None
    subject = digest_subject(len(pending)) if digest and len(pending) > 1 else first["subject"]
    contact = contacts.get(first["recipient"])
    message = render(
        message_id=mail_id,
        subject=subject,
        sender=sender,
        to_name=contact.name if contact is not None else first["recipient"],
        to_address=first["address"],
        items=[_item(row) for row in pending],
        now=now,
        base_url=base_url,
    )
    try:
        await transport.send(message, [first["address"]])
    except DeliveryError as error:
        _failed(engine, store, mail_id, pending, error, now, report)
        return
    report.sent.append(mail_id)
    _record(store, pending, MailDelivered, now, message_id=mail_id, outcome="delivered")
    mark(engine, pending, state="delivered")


def _delivery_recorded(store: EventStore, row: dict[str, Any]) -> bool:
    return store.read_event(event_id_for(row["message_id"], "delivered")) is not None


def _failed(
    engine: Engine,
    store: EventStore,
    mail_id: str,
    rows: list[dict[str, Any]],
    error: DeliveryError,
    now: datetime,
    report: DispatchReport,
) -> None:
    if error.permanent:
        _record(
            store, rows, MailFailed, now, message_id=mail_id, outcome="failed",
            reason=error.reason[:500] or "refused", permanent=True,
        )  # fmt: skip
        mark(engine, rows, state="failed", error=error.reason)
        report.failed.extend(row["message_id"] for row in rows)
        return
    attempts = max(row["attempts"] for row in rows) + 1
    mark(engine, rows, state="queued", error=error.reason, next_attempt_at=now + backoff(attempts))
    report.retrying.extend(row["message_id"] for row in rows)


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
    rows: list[dict[str, Any]],
    cls: type[MailDelivered] | type[MailFailed],
    now: datetime,
    *,
    message_id: str,
    outcome: str,
    **extra: Any,
) -> None:
    """One event per row, in one append: a digest's outcome is recorded whole or not at
    all, so a dispatcher that dies here sends the same digest again, never a part of it.
    (A digest's rows share a year, hence a stream: the year is part of its id.)"""
    events = []
    for row in rows:
        event: DomainEvent = cls(
            year=row["year"], step=row["step"], rung=row["rung"], recipient=row["recipient"],
            message_id=message_id, **extra,
        )  # fmt: skip
        events.append(
            to_new_event(
                event,
                event_id=event_id_for(row["message_id"], outcome),
                occurred_at=now,
                actor=MAILER,
            )
        )
    store.append(outbox_stream(rows[0]["year"]), events, expected_version=None)


def _local(deadline: datetime | None, offset_minutes: int | None) -> datetime | None:
    """The deadline back in the offset its calendar set it with (stored as UTC)."""
    if deadline is None or offset_minutes is None:
        return deadline
    return deadline.astimezone(timezone(timedelta(minutes=offset_minutes)))
