"""Errors the store raises. Each message names what was wrong."""

from __future__ import annotations

import sqlite3
from uuid import UUID


class EventStoreError(Exception):
    """Base of every error the event store raises on purpose."""


class ConcurrencyError(EventStoreError):
    """The stream moved on since the caller read it."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int) -> None:
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            f"stream {stream_id!r} is at version {actual_version}, "
            f"but the append expected version {expected_version}"
        )


class EventIdConflict(EventStoreError):
    """An event id was reused for different content: a bug, never a retry."""

    def __init__(self, event_id: UUID, detail: str) -> None:
        self.event_id = event_id
        super().__init__(f"event {event_id} is already stored with different content: {detail}")


class InvalidAppend(EventStoreError):
    """The append itself is malformed (no events, repeated ids, bad stream id)."""


# SQLSTATEs of PostgreSQL's own "cannot write" errors.
_POSTGRES_CAUSES = {
    "53100": "its disk is full",  # disk_full
    "25006": "it is read-only",  # read_only_sql_transaction
}


def cannot_write_cause(error: BaseException) -> str | None:
    """Why the store cannot write, if it is its storage: its disk is full, or it is
    read-only. None for anything else (a server down, a lock held). ``error`` is the
    driver's exception or SQLAlchemy's wrapper around it."""
    original = getattr(error, "orig", None) or error
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _POSTGRES_CAUSES.get(sqlstate)
    code = getattr(original, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF  # the extended codes keep the primary one in their low byte
    if primary == sqlite3.SQLITE_FULL:
        return "its disk is full"
    if primary == sqlite3.SQLITE_READONLY:
        return "it is read-only"
    if primary == sqlite3.SQLITE_IOERR:
        return f"its disk failed a write ({original})"
    return None
