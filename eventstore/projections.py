"""Catch-up projections: read models that follow the global position.

Each batch is applied and its checkpoint advanced in one transaction, so an event
changes a read model exactly once, whatever crashes or restarts happen between
batches. Two runners of the same projection queue on the checkpoint row
(``FOR UPDATE`` on PostgreSQL, the write lock on SQLite) instead of both applying.

A projection is handed a whole batch at once, so that it can keep the rows it
touches in memory and write them back in a few statements; it names the event
types it reads, so that the runner never decodes the others.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine, Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from eventstore.engine import WRITE_OPTION, is_postgresql
from eventstore.records import RecordedEvent
from eventstore.schema import events as events_table
from eventstore.schema import projection_checkpoints as checkpoints

DEFAULT_BATCH_SIZE = 2000


class Projection(Protocol):
    """A read model. ``apply_batch`` writes through ``conn``, inside the runner's transaction."""

    @property
    def name(self) -> str: ...

    @property
    def event_types(self) -> frozenset[str] | None:
        """The event types it reads; None for every event."""
        ...

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        """Apply ``events`` (of ``event_types``, in global order), all of them or none."""
        ...


class ProjectionRunner:
    def __init__(
        self,
        engine: Engine,
        projection: Projection,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._projection = projection
        self._batch_size = batch_size
        self._clock = clock

    @property
    def name(self) -> str:
        return self._projection.name

    def run_batch(self) -> int:
        """Apply the next batch of events; return how many positions it passed over."""
        return run_batch(self._engine, [self._projection], self._batch_size, self._clock)[
            self._projection.name
        ]

    def catch_up(self) -> int:
        """Apply every event stored so far; return how many were passed over."""
        total = 0
        while applied := self.run_batch():
            total += applied
        return total

    def checkpoint(self) -> int:
        with self._engine.connect() as conn:
            return checkpoint_in(conn, self._projection.name)


def run_batch(
    engine: Engine,
    projections: Sequence[Projection],
    batch_size: int = DEFAULT_BATCH_SIZE,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, int]:
    """The next batch for ``projections`` together, in one transaction: the events after
    the lowest of their checkpoints are read and decoded once, each projection applies
    those after its own checkpoint, and every checkpoint that moved is written before
    the one commit. Returns the positions each projection passed over."""
    with engine.connect() as conn, _without_cyclic_gc():
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            # By name, so that runners sharing a projection always lock in the same order.
            ordered = sorted(projections, key=lambda p: p.name)
            positions = {p.name: lock_checkpoint(conn, p.name) for p in ordered}
            start = min(positions.values())
            count, end = _next_batch(conn, start, batch_size)
            if not count:
                return {p.name: 0 for p in projections}
            batch = _read_range(conn, start, end, _types_of(ordered))
            passed: dict[str, int] = {}
            for projection in ordered:
                after = positions[projection.name]
                if after >= end:
                    passed[projection.name] = 0
                    continue
                types = projection.event_types
                mine = [
                    event
                    for event in batch
                    if event.position > after and (types is None or event.type in types)
                ]
                if mine:
                    projection.apply_batch(conn, mine)
                conn.execute(
                    update(checkpoints)
                    .where(checkpoints.c.name == projection.name)
                    .values(position=end, updated_at=clock())
                )
                passed[projection.name] = count if after == start else _count(conn, after, end)
            return passed


def reset(engine: Engine, names: Sequence[str], tables: Sequence[Table]) -> None:
    """Empty ``tables`` and set the checkpoints ``names`` back to 0, in one transaction,
    so that the next batches rebuild those read models from the first event.

    The checkpoints are locked first: a batch in flight commits before the tables are
    emptied, and any batch after starts again from 0. Killed before the commit, nothing
    changed; killed after it, during the catch-up, each batch has committed with its
    checkpoint and the rebuild goes on (or starts over) from there."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            for name in sorted(names):
                lock_checkpoint(conn, name)
            for table in tables:
                conn.execute(delete(table))
            conn.execute(
                update(checkpoints)
                .where(checkpoints.c.name.in_(sorted(names)))
                .values(position=0, updated_at=datetime.now(UTC))
            )


def checkpoint_in(conn: Connection, name: str) -> int:
    """The last position ``name`` has applied (0 if it never ran)."""
    value = conn.execute(select(checkpoints.c.position).where(checkpoints.c.name == name)).scalar()
    return int(value or 0)


def _types_of(projections: Sequence[Projection]) -> frozenset[str] | None:
    """The event types any of ``projections`` reads (None: every type)."""
    types: set[str] = set()
    for projection in projections:
        if projection.event_types is None:
            return None
        types |= projection.event_types
    return frozenset(types)


def _count(conn: Connection, after: int, end: int) -> int:
    query = (
        select(func.count())
        .select_from(events_table)
        .where(events_table.c.position > after, events_table.c.position <= end)
    )
    return int(conn.execute(query).scalar_one())


def _next_batch(conn: Connection, after: int, size: int) -> tuple[int, int]:
    """How many events the next batch holds, and the position of its last.

    On PostgreSQL positions can have gaps; the store's append lock guarantees
    that every position up to a visible one is visible, so the range read next
    (in a later snapshot) holds exactly these events.
    """
    window = (
        select(events_table.c.position)
        .where(events_table.c.position > after)
        .order_by(events_table.c.position)
        .limit(size)
        .subquery()
    )
    count, end = conn.execute(select(func.count(), func.max(window.c.position))).one()
    return int(count), int(end or after)


def _read_range(
    conn: Connection, after: int, end: int, types: frozenset[str] | None
) -> list[RecordedEvent]:
    query = (
        select(events_table)
        .where(events_table.c.position > after, events_table.c.position <= end)
        .order_by(events_table.c.position)
    )
    if types is not None:
        query = query.where(events_table.c.type.in_(sorted(types)))
    # The rows come from the store's own table, typed by its columns: no need to
    # validate them again, event by event.
    result = conn.execute(query)
    names = tuple(result.keys())
    return [_recorded(dict(zip(names, row, strict=True))) for row in result]


_FIELDS = frozenset(RecordedEvent.model_fields)


def _recorded(values: dict[str, Any]) -> RecordedEvent:
    """What ``RecordedEvent.model_construct(**values)`` makes, for a row read from the
    store's own table (typed by its columns, so not validated again), without its
    per-field loop: that loop was a tenth of a catch-up."""
    event = RecordedEvent.__new__(RecordedEvent)
    object.__setattr__(event, "__dict__", values)
    object.__setattr__(event, "__pydantic_fields_set__", _FIELDS)
    object.__setattr__(event, "__pydantic_extra__", None)
    object.__setattr__(event, "__pydantic_private__", {"_decoded": None})
    return event


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """No cyclic garbage collection while a batch runs: a batch allocates hundreds of
    thousands of short-lived dicts and tuples, which reference counting frees, and the
    collections they triggered cost a quarter of a catch-up's time. Cycles left are
    collected after the batch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def lock_checkpoint(conn: Connection, name: str) -> int:
    """``name``'s position, its row created at 0 if need be and held until the transaction
    ends (``FOR UPDATE`` on PostgreSQL; SQLite's write transaction holds the database)."""
    values = {"name": name, "position": 0, "updated_at": datetime.now(UTC)}
    if is_postgresql(conn):
        conn.execute(pg_insert(checkpoints).values(**values).on_conflict_do_nothing())
        query = select(checkpoints.c.position).where(checkpoints.c.name == name).with_for_update()
    else:
        conn.execute(sqlite_insert(checkpoints).values(**values).on_conflict_do_nothing())
        query = select(checkpoints.c.position).where(checkpoints.c.name == name)
    return int(conn.execute(query).scalar_one())
