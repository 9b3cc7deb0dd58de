"""Errors the store raises. Each message names what was wrong."""

from __future__ import annotations

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
