"""The append-only event store.

Guarantees, on SQLite and PostgreSQL alike:

* Optimistic concurrency: an append names the stream version it expects; a stale
  one raises ``ConcurrencyError`` and writes nothing. ``UNIQUE(stream_id, version)``
  backs the check against races.
* Idempotency: appending events whose ids are already stored, with the same
  content, writes nothing and returns the original positions. The same id with
  other content raises ``EventIdConflict``.
* A global position that readers can follow without skipping a committed event.
  SQLite has one writer at a time. On PostgreSQL, sequence values can commit out
  of order, so appends serialize on a transaction-scoped advisory lock: the next
  append takes its positions only after the previous one is visible. We chose
  this over visibility filtering (xid8 snapshots) because the annual cycle writes
  little and often, readers then need no special query, and the lock costs one
  round trip per append, not a delay for every reader.
* A hash chain per stream, see ``hashing.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, Row, select
from sqlalchemy.engine import Connection

from eventstore.appender import DUPLICATE_ERRORS, Appender, appender_for
from eventstore.errors import ConcurrencyError, EventIdConflict, InvalidAppend
from eventstore.hashing import GENESIS_HASH, canonical_json, event_hash
from eventstore.records import NewEvent, RecordedEvent
from eventstore.schema import events as events_table

MAX_STREAM_ID_LENGTH = 200


def utc_now() -> datetime:
    return datetime.now(UTC)


class StreamHeads:
    """The last version and hash this process appended to each stream.

    A stream's version n and its hash never change once committed, so a cached
    head is either right or stale, never wrong: an append that chains onto a
    stale head collides with UNIQUE(stream_id, version) and is retried after a
    fresh read. Using it saves a query on every append to a stream this process
    writes to repeatedly, which is how the cycle's activities write.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._heads: dict[str, tuple[int, str]] = {}
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, stream_id: str, expected_version: int | None) -> tuple[int, str] | None:
        with self._lock:
            head = self._heads.get(stream_id)
        if head is None or expected_version not in (None, head[0]):
            return None
        return head

    def remember(self, stream_id: str, version: int, hash: str) -> None:
        with self._lock:
            if len(self._heads) >= self._capacity:
                self._heads.clear()
            self._heads[stream_id] = (version, hash)

    def forget(self, stream_id: str) -> None:
        with self._lock:
            self._heads.pop(stream_id, None)


@dataclass(frozen=True, slots=True)
class AppendResult:
    stream_id: str
    positions: tuple[int, ...]
    last_version: int
    already_recorded: bool


class EventStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._clock = clock
        self._heads = StreamHeads()

    @property
    def engine(self) -> Engine:
        return self._engine

    def append(
        self, stream_id: str, new_events: Sequence[NewEvent], *, expected_version: int | None
    ) -> AppendResult:
        """Append to ``stream_id``, which must be at ``expected_version`` (0: new stream).

        ``expected_version=None`` skips the check; the append still chains onto the head.
        """
        _validate(stream_id, new_events, expected_version)
        cached = self._heads.get(stream_id, expected_version)
        try:
            return self._append_once(stream_id, new_events, expected_version, cached)
        except DUPLICATE_ERRORS:
            # A racing writer took our version, an event id already exists, or
            # the cached head was stale. The transaction is rolled back.
            self._heads.forget(stream_id)
        earlier = self._recorded_earlier(stream_id, new_events)
        if earlier is not None:
            return earlier
        if expected_version is None and cached is not None:
            return self._append_once(stream_id, new_events, None, None)
        actual = self.stream_version(stream_id)
        raise ConcurrencyError(stream_id, _expected_or(expected_version, actual), actual)

    def _append_once(
        self,
        stream_id: str,
        new_events: Sequence[NewEvent],
        expected_version: int | None,
        cached: tuple[int, str] | None,
    ) -> AppendResult:
        connection = self._engine.raw_connection()
        try:
            appender = appender_for(connection.driver_connection)
            try:
                appender.begin()
                head = cached if cached is not None else appender.head(stream_id)
                result, last_hash = self._append_with(
                    appender, stream_id, new_events, expected_version, head
                )
                appender.commit()
            except BaseException:
                appender.rollback()
                raise
        except DUPLICATE_ERRORS:
            raise
        except Exception:
            # The driver connection may be broken; never hand it out again.
            connection.invalidate()
            raise
        finally:
            connection.close()
        if not result.already_recorded:
            self._heads.remember(stream_id, result.last_version, last_hash)
        return result

    def _append_with(
        self,
        appender: Appender,
        stream_id: str,
        new_events: Sequence[NewEvent],
        expected_version: int | None,
        head: tuple[int, str],
    ) -> tuple[AppendResult, str]:
        version, prev_hash = head
        if expected_version is not None and version != expected_version:
            earlier = self._recorded_earlier(stream_id, new_events)
            if earlier is not None:
                return earlier, ""
            raise ConcurrencyError(stream_id, expected_version, version)
        recorded_at = self._clock()
        rows: list[dict[str, Any]] = []
        for event in new_events:
            version += 1
            data_json = _data_json(event)
            digest = event_hash(
                prev_hash=prev_hash,
                stream_id=stream_id,
                version=version,
                event_id=event.event_id,
                type=event.type,
                schema_version=event.schema_version,
                occurred_at=event.occurred_at,
                actor=event.actor,
                data_json=data_json,
            )
            rows.append(
                {
                    "event_id": event.event_id,
                    "stream_id": stream_id,
                    "version": version,
                    "type": event.type,
                    "schema_version": event.schema_version,
                    "data": data_json,
                    "occurred_at": event.occurred_at,
                    "recorded_at": recorded_at,
                    "actor": event.actor,
                    "prev_hash": prev_hash,
                    "hash": digest,
                }
            )
            prev_hash = digest
        positions = appender.insert(rows)
        return AppendResult(stream_id, positions, version, already_recorded=False), prev_hash

    def _recorded_earlier(
        self, stream_id: str, new_events: Sequence[NewEvent]
    ) -> AppendResult | None:
        with self._engine.connect() as conn:
            return _already_recorded(conn, stream_id, new_events)

    def read_stream(self, stream_id: str, *, from_version: int = 1) -> list[RecordedEvent]:
        query = (
            select(events_table)
            .where(events_table.c.stream_id == stream_id, events_table.c.version >= from_version)
            .order_by(events_table.c.version)
        )
        with self._engine.connect() as conn:
            return [to_recorded(row) for row in conn.execute(query)]

    def read_event(self, event_id: UUID) -> RecordedEvent | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(events_table).where(events_table.c.event_id == event_id)
            ).first()
            return None if row is None else to_recorded(row)

    def read_all(self, *, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        with self._engine.connect() as conn:
            return read_all_in(conn, after_position=after_position, limit=limit)

    def iter_all(
        self, *, after_position: int = 0, page_size: int = 1000
    ) -> Iterator[RecordedEvent]:
        position = after_position
        while page := self.read_all(after_position=position, limit=page_size):
            yield from page
            position = page[-1].position

    def stream_version(self, stream_id: str) -> int:
        with self._engine.connect() as conn:
            return _head(conn, stream_id)[0]

    def last_position(self) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(events_table.c.position).order_by(events_table.c.position.desc()).limit(1)
            ).scalar()
            return int(value or 0)


def read_all_in(conn: Connection, *, after_position: int, limit: int) -> list[RecordedEvent]:
    query = (
        select(events_table)
        .where(events_table.c.position > after_position)
        .order_by(events_table.c.position)
        .limit(limit)
    )
    return [to_recorded(row) for row in conn.execute(query)]


def to_recorded(row: Row[Any]) -> RecordedEvent:
    return RecordedEvent.model_validate(row._asdict())


def _validate(stream_id: str, new_events: Sequence[NewEvent], expected_version: int | None) -> None:
    if not stream_id or len(stream_id) > MAX_STREAM_ID_LENGTH:
        raise InvalidAppend(
            f"stream id {stream_id!r} must have 1 to {MAX_STREAM_ID_LENGTH} characters"
        )
    if not new_events:
        raise InvalidAppend(f"append to stream {stream_id!r} has no events")
    if expected_version is not None and expected_version < 0:
        raise InvalidAppend(f"expected version {expected_version} of {stream_id!r} is negative")
    seen: set[UUID] = set()
    for event in new_events:
        if event.event_id in seen:
            raise InvalidAppend(f"event id {event.event_id} appears twice in one append")
        seen.add(event.event_id)


def _expected_or(expected_version: int | None, actual: int) -> int:
    return actual if expected_version is None else expected_version


def _head(conn: Connection, stream_id: str) -> tuple[int, str]:
    row = conn.execute(
        select(events_table.c.version, events_table.c.hash)
        .where(events_table.c.stream_id == stream_id)
        .order_by(events_table.c.version.desc())
        .limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (int(row.version), str(row.hash))


def _data_json(event: NewEvent) -> str:
    try:
        return canonical_json(event.data)
    except (TypeError, ValueError) as error:
        raise InvalidAppend(f"event {event.event_id} data is not plain JSON: {error}") from None


def _already_recorded(
    conn: Connection, stream_id: str, new_events: Sequence[NewEvent]
) -> AppendResult | None:
    """The original result if this exact append was made before, else None."""
    ids = [event.event_id for event in new_events]
    stored = {
        row.event_id: row
        for row in conn.execute(select(events_table).where(events_table.c.event_id.in_(ids)))
    }
    if not stored:
        return None
    for event in new_events:
        row = stored.get(event.event_id)
        if row is None:
            raise EventIdConflict(
                next(iter(stored)), "it was appended in another batch than this one"
            )
        difference = _difference(stream_id, event, row)
        if difference:
            raise EventIdConflict(event.event_id, difference)
    rows = [stored[event_id] for event_id in ids]
    return AppendResult(
        stream_id,
        tuple(int(row.position) for row in rows),
        max(int(row.version) for row in rows),
        already_recorded=True,
    )


def _difference(stream_id: str, event: NewEvent, row: Row[Any]) -> str:
    recorded = to_recorded(row)
    pairs = {
        "stream_id": (stream_id, recorded.stream_id),
        "type": (event.type, recorded.type),
        "schema_version": (event.schema_version, recorded.schema_version),
        "actor": (event.actor, recorded.actor),
        "occurred_at": (event.occurred_at, recorded.occurred_at),
        "data": (canonical_json(event.data), canonical_json(recorded.data)),
    }
    for field, (given, stored) in pairs.items():
        if given != stored:
            return f"{field} differs (stored {stored!r}, given {given!r})"
    return ""
