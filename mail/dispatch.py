"""Sending the queued mails of the outbox, and recording what became of them.

The projector queues the mails (``mail.outbox``); ``dispatch`` only sends each
due queued row:

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
from mail.rules import backoff, digest_message_id, digest_subject, outbox_stream
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
) -> DispatchReport:
    """Send every due queued mail once (the projector queues them)."""
    contacts = contacts or Contacts.load()
    report = DispatchReport(queued=waiting(engine))
    store = EventStore(engine)
    now = clock()
    for group in _due_groups(engine, now):
        await _send_group(engine, store, transport, group, sender, contacts, now, report)
    return report


def _due_groups(engine: Engine, now: datetime) -> list[list[dict[str, Any]]]:
    """One group per immediate mail; one per daily recipient, its digest."""
    rows = due_rows(engine, now)
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
        mail_id = digest_message_id(row["message_id"] for row in pending)
        subject = digest_subject(len(pending))
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
        mark(engine, row["message_id"], state="delivered", attempts=row["attempts"] + 1)


def _already_delivered(engine: Engine, store: EventStore, row: dict[str, Any]) -> bool:
    if store.read_event(event_id_for(row["message_id"], "delivered")) is None:
        return False
    mark(engine, row["message_id"], state="delivered", attempts=row["attempts"])
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
        mark(engine, row["message_id"], state="failed", attempts=attempts, error=error.reason)
        report.failed.append(row["message_id"])
        return
    mark(
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


def _local(deadline: datetime | None, offset_minutes: int | None) -> datetime | None:
    """The deadline back in the offset its calendar set it with (stored as UTC)."""
    if deadline is None or offset_minutes is None:
        return deadline
    return deadline.astimezone(timezone(timedelta(minutes=offset_minutes)))
