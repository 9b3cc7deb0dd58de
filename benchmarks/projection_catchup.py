"""Catching the read models up on ~100,000 events, against a raw-driver loop of the same work.

Run: ``python -m benchmarks.projection_catchup --backend sqlite|postgres [--events 100000]``.
Exits 1 if our catch-up runs at less than ``TARGET`` times the raw loop's rate.

The store is filled as the status benchmark fills it (``benchmarks.status_store``:
cycle years as the workflow records them, ~98 events each: openings, reminders to
every member state, an extension, escalations, approvals, notes, one nomination or
nil return per member state). Then, in the same run and on the same database:

- ours: the application's projections (``ascn.projections.all_projections``) bring every
  read model and the mail outbox from position 0 to the head, as ``ascn project``
  and ``ascn project --rebuild`` do (without the ledger's extender, which ``ascn project``
  also runs after each pass: ``benchmarks.ledger_append`` measures that);
- raw: the rows our catch-up left in the read-model tables are read out and deleted
  (untimed); then a loop on the bare driver (``sqlite3`` / ``psycopg``, with the same
  durability settings) reads the same events in batches of the same size, decodes
  their JSON, and writes those rows back into the same tables, in proportion to the
  events read, with one ``executemany`` per table and one commit per batch.

The ratio ours/raw says how much the projector's own work (decoding, the read
models' rules, the rows in memory) costs over the database's.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import Engine, func, select, text

from ascn.projections import all_projections
from benchmarks.status_store import (
    DEFAULT_POSTGRES,
    FIRST_YEAR,
    build,
    postgres_engine,
    sqlite_engine,
)
from eventstore.engine import SQLITE_BUSY_TIMEOUT_MS, is_postgresql
from eventstore.projections import DEFAULT_BATCH_SIZE
from eventstore.projector import Projector
from eventstore.readmodels.schema import cycles, exceptions, nominations, outbox, overdue, steps

TARGET = 0.3
EVENTS_PER_YEAR = 98  # what one year of benchmarks.status_store holds
READ_MODEL_TABLES = (nominations, exceptions, cycles, steps, overdue, outbox)


@dataclass
class Run:
    events: int
    rows: int
    seconds: float
    cpu_seconds: float
    """This process's CPU time (all of SQLite's work; PostgreSQL's server not counted):
    a machine busy with other work slows the wall clock, not this."""

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def ours(engine: Engine) -> Run:
    """The application's projections, from position 0 to the head; the rows they left."""
    projector = Projector(engine, all_projections())
    began, cpu = time.perf_counter(), time.process_time()
    applied = projector.run_once()
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    head, positions = projector.positions()
    if any(position != head for position in positions.values()):
        raise RuntimeError(f"the projector stopped short of {head}: {positions}")
    with engine.connect() as conn:
        rows = sum(
            int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in READ_MODEL_TABLES
        )
    return Run(max(applied.values()), rows, seconds, cpu)


def raw(engine: Engine, batch_size: int) -> Run:
    """Read every event, batch by batch, and write back the rows ``ours`` left in the
    read-model tables (taken out beforehand, untimed), in proportion, on the bare driver."""
    with _raw_connection(engine) as (conn, mark):
        cursor = conn.cursor()
        tables = []
        for table in READ_MODEL_TABLES:
            cursor.execute(f"SELECT * FROM {table.name}")
            names = [column[0] for column in cursor.description]
            found = [tuple(_param(value) for value in row) for row in cursor.fetchall()]
            marks = ", ".join(mark for _ in names)
            insert = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
            tables.append((insert, found))
            cursor.execute(f"DELETE FROM {table.name}")
        conn.commit()
        rows = [(insert, row) for insert, found in tables for row in found]
        cursor.execute("SELECT count(*) FROM events")
        total = int(cursor.fetchone()[0])
        began, cpu = time.perf_counter(), time.process_time()
        after, read, written = 0, 0, 0
        while True:
            cursor.execute(
                "SELECT position, stream_id, version, type, schema_version, data, occurred_at, "
                f"actor FROM events WHERE position > {mark} ORDER BY position LIMIT {mark}",
                (after, batch_size),
            )
            batch = cursor.fetchall()
            if not batch:
                break
            read += len(batch)
            for row in batch:  # what a projector must do with each event at the least
                if not isinstance(row[5], dict):
                    json.loads(row[5])
            due = len(rows) * read // total  # the rows that the events so far account for
            by_table: dict[str, list[tuple[Any, ...]]] = {}
            for insert, row in rows[written:due]:
                by_table.setdefault(insert, []).append(row)
            for insert, values in by_table.items():
                cursor.executemany(insert, values)
            conn.commit()
            written = due
            after = batch[-1][0]
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        return Run(read, written, seconds, cpu)


def _param(value: Any) -> Any:
    """A value read by the driver, as the driver takes it back (psycopg: JSON wrapped)."""
    return Json(value) if isinstance(value, list | dict) else value


@contextmanager
def _raw_connection(engine: Engine) -> Iterator[tuple[Any, str]]:
    """A bare driver connection to the benchmark's database, and its parameter mark."""
    if is_postgresql(engine):
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url) as pg:
            yield pg, "%s"
        return
    lite = sqlite3.connect(str(engine.url.database), isolation_level=None)
    try:
        # As eventstore.engine sets up its own connections.
        lite.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        lite.execute("PRAGMA journal_mode = WAL")
        lite.execute("PRAGMA synchronous = FULL")
        lite.isolation_level = "DEFERRED"  # implicit transactions again, committed per batch
        yield lite, "?"
    finally:
        lite.close()


def run_backend(backend: str, postgres: str, events: int, batch_size: int) -> tuple[Run, Run]:
    engines = sqlite_engine() if backend == "sqlite" else postgres_engine(postgres)
    with engines as engine:
        years = max(1, round(events / EVENTS_PER_YEAR))
        build(engine, range(FIRST_YEAR, FIRST_YEAR + years), probe=FIRST_YEAR + years - 1)
        if is_postgresql(engine):
            with engine.connect() as conn:  # what autovacuum does after a bulk load
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        mine = ours(engine)
        baseline = raw(engine, batch_size)
        return mine, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "postgresql"), required=True)
    parser.add_argument("--events", type=int, default=100_000, help="events in the store (about)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    args = parser.parse_args()
    if not 100 <= args.events <= 10_000_000:
        parser.error("--events must be between 100 and 10,000,000")
    backend = "sqlite" if args.backend == "sqlite" else "postgresql"
    mine, baseline = run_backend(backend, args.postgres, args.events, DEFAULT_BATCH_SIZE)
    ratio = mine.rate / baseline.rate
    print(f"{'backend':<11} {'events':>8} {'rows':>8} {'ours ev/s':>10} {'raw ev/s':>10} "
          f"{'ratio':>6} {'target':>7}")  # fmt: skip
    print(
        f"{backend:<11} {mine.events:>8} {mine.rows:>8} {mine.rate:>10.0f} {baseline.rate:>10.0f} "
        f"{ratio:>6.2f} {'>=' + str(TARGET):>7} {'ok' if ratio >= TARGET else 'MISSED'}"
    )
    print(
        f"CPU time of this process: ours {mine.cpu_seconds:.1f} s "
        f"({mine.events / mine.cpu_seconds:.0f} ev/s), raw {baseline.cpu_seconds:.1f} s "
        f"({baseline.events / baseline.cpu_seconds:.0f} ev/s)"
    )
    sys.exit(0 if ratio >= TARGET else 1)


if __name__ == "__main__":
    main()
