"""Catch-up projections: read models that follow the global position.

Each batch is applied and its checkpoint advanced in one transaction, so an event
changes a read model exactly once, whatever crashes or restarts happen between
batches. Two runners of the same projection queue on the checkpoint row
(``FOR UPDATE`` on PostgreSQL, the write lock on SQLite) instead of both applying.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from eventstore.engine import WRITE_OPTION, is_postgresql
from eventstore.records import RecordedEvent
from eventstore.schema import projection_checkpoints as checkpoints
from eventstore.store import read_all_in


class Projection(Protocol):
    """A read model. ``apply`` writes through ``conn``, inside the runner's transaction."""

    @property
    def name(self) -> str: ...

    def apply(self, conn: Connection, event: RecordedEvent) -> None: ...


class ProjectionRunner:
    def __init__(
        self,
        engine: Engine,
        projection: Projection,
        *,
        batch_size: int = 500,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._projection = projection
        self._batch_size = batch_size
        self._clock = clock

    def run_batch(self) -> int:
        """Apply the next batch of events; return how many were applied."""
        with self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                position = _lock_checkpoint(conn, self._projection.name)
                batch = read_all_in(conn, after_position=position, limit=self._batch_size)
                for event in batch:
                    self._projection.apply(conn, event)
                if batch:
                    conn.execute(
                        update(checkpoints)
                        .where(checkpoints.c.name == self._projection.name)
                        .values(position=batch[-1].position, updated_at=self._clock())
                    )
                return len(batch)

    def catch_up(self) -> int:
        """Apply every event stored so far; return how many were applied."""
        total = 0
        while applied := self.run_batch():
            total += applied
        return total

    def checkpoint(self) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(checkpoints.c.position).where(checkpoints.c.name == self._projection.name)
            ).scalar()
            return int(value or 0)


def _lock_checkpoint(conn: Connection, name: str) -> int:
    values = {"name": name, "position": 0, "updated_at": datetime.now(UTC)}
    if is_postgresql(conn):
        conn.execute(pg_insert(checkpoints).values(**values).on_conflict_do_nothing())
        query = select(checkpoints.c.position).where(checkpoints.c.name == name).with_for_update()
    else:
        conn.execute(sqlite_insert(checkpoints).values(**values).on_conflict_do_nothing())
        query = select(checkpoints.c.position).where(checkpoints.c.name == name)
    return int(conn.execute(query).scalar_one())
