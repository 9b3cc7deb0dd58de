"""The rules of the mail the cycle sends: Message-IDs, subjects, when a mail falls due.

A Message-ID is derived from (year, step, rung, deadline, recipient), so the same
reminder for the same deadline is queued at most once, even if the cycle records
it twice; after an extension, the new deadline makes a new mail. A daily digest's id
is derived from its recipient, its cycle year and the moment it falls due, and is
given to each mail it gathers as the projector queues it: a digest sent again (the
dispatcher died before it recorded the delivery) keeps its id and its items.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from domain.contacts import Delivery

Kind = Literal["reminder", "escalation"]
CALENDAR_ZONE = "Asia/Jakarta"
"""Where daily digests fall due at midnight (``domain.calendar.recurring``'s default zone)."""
MAX_BACKOFF = timedelta(hours=1)


def outbox_stream(year: int) -> str:
    """The stream of what became of a year's mail (``MailDelivered``, ``MailFailed``)."""
    return f"outbox-{year}"


def message_id(year: int, step: str, rung: str, anchor: str, recipient: str) -> str:
    """``<32 hex@ascn>``: the same inputs always give the same Message-ID."""
    return _hashed_id("|".join((str(year), step, rung, anchor, recipient)))


def message_ids(
    year: int, step: str, rung: str, anchor: str, recipients: Sequence[str]
) -> list[str]:
    """``message_id`` for each of ``recipients``, the shared part hashed once."""
    shared = hashlib.sha256("|".join((str(year), step, rung, anchor, "")).encode("utf-8"))
    ids = []
    for recipient in recipients:
        digest = shared.copy()
        digest.update(recipient.encode("utf-8"))
        ids.append(f"<{digest.hexdigest()[:32]}@ascn>")
    return ids


def digest_message_id(
    year: int, recipient: str, due: datetime, *, follow_up_of: str | None = None
) -> str:
    """The digest ``recipient`` gets for cycle ``year`` at ``due``. ``follow_up_of``: the
    first mail of a digest queued after that one was tried (a late fact), which must not
    change what was already sent under the first id."""
    parts = ["digest", str(year), recipient, due.astimezone(UTC).isoformat()]
    return _hashed_id("|".join([*parts, *([follow_up_of] if follow_up_of else [])]))


def subject_for(kind: Kind, year: int, step: str, rung: str, deadline: datetime | None) -> str:
    due = f", due {local_day(deadline)}" if deadline is not None else ""
    if kind == "reminder":
        return f"[ASCN {year}] Reminder ({rung}): {step}{due}"
    return f"[ASCN {year}] Escalation ({rung}): {step} is overdue"


def digest_subject(items: int) -> str:
    return f"[ASCN] Daily digest: {items} reminders and escalations"


def local_day(instant: datetime) -> str:
    """The day in the calendar's own terms: a deadline keeps the offset it was set with."""
    return instant.strftime("%Y-%m-%d")


def due_at(recorded_at: datetime, delivery: Delivery) -> datetime:
    """Immediate mail is due when the cycle records it; a daily digest at the next
    local midnight, so that one mail gathers a day's reminders and escalations."""
    if delivery != "daily":
        return recorded_at
    zone = ZoneInfo(CALENDAR_ZONE)
    local = recorded_at.astimezone(zone)
    return datetime(local.year, local.month, local.day, tzinfo=zone) + timedelta(days=1)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4... minutes after the n-th failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _hashed_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@ascn>"
