"""Appends per second: the event store against plain INSERTs, on SQLite and PostgreSQL.

Run: ``make bench`` (or ``python -m benchmarks.append_throughput --help``).

Each case runs in alternating rounds against a raw-driver baseline measured in the
same run, on the same database, with the same durability settings (SQLite WAL with
synchronous=FULL; PostgreSQL with synchronous_commit on) and the same row shape.
The figure that counts is the ratio store/raw; absolute numbers depend on the disk.
It exits 1 if any case misses its target.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from eventstore.engine import create_store_engine
from eventstore.records import NewEvent
from eventstore.schema import metadata
from eventstore.store import EventStore

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
TARGETS = {1: 0.7, 100: 0.5}
RAW_TABLE = """
CREATE TABLE raw_events (
    position {pk},
    event_id {uuid} NOT NULL UNIQUE,
    stream_id VARCHAR(200) NOT NULL,
    version INTEGER NOT NULL,
    type VARCHAR(200) NOT NULL,
    schema_version INTEGER NOT NULL,
    data {json} NOT NULL,
    occurred_at {ts} NOT NULL,
    recorded_at {ts} NOT NULL,
    actor VARCHAR(200) NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL,
    UNIQUE (stream_id, version)
)"""
RAW_INSERT = (
    "INSERT INTO raw_events (event_id, stream_id, version, type, schema_version, data,"
    " occurred_at, recorded_at, actor, prev_hash, hash) VALUES ({marks})"
)
DATA = {"year": 2018, "member_state": "MY", "step": "nomination_deadline", "rung": "T-7"}


@dataclass
class Case:
    backend: str
    batch: int
    raw: list[float]
    store: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.store) / statistics.median(self.raw)


def new_events(count: int) -> list[NewEvent]:
    now = datetime.now(UTC)
    return [
        NewEvent(event_id=uuid.uuid4(), type="ReminderSent", data=DATA, occurred_at=now,
                 actor="system/bench")
        for _ in range(count)
    ]  # fmt: skip


def raw_rows(stream: str, start_version: int, count: int) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    return [
        (str(uuid.uuid4()), stream, start_version + i, "ReminderSent", 1, json.dumps(DATA),
         now, now, "system/bench", "0" * 64, "f" * 64)
        for i in range(count)
    ]  # fmt: skip


class StoreAppender:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.stream = f"bench-{uuid.uuid4().hex[:8]}"
        self.version = 0

    def __call__(self, batch: int) -> None:
        self.version = self.store.append(
            self.stream, new_events(batch), expected_version=self.version
        ).last_version


class RawAppender:
    def __init__(self, connection: Any, marks: str, to_db: Callable[[tuple[Any, ...]], Any]):
        self.connection = connection
        self.sql = RAW_INSERT.format(marks=marks)
        self.to_db = to_db
        self.stream = f"raw-{uuid.uuid4().hex[:8]}"
        self.version = 0

    def __call__(self, batch: int) -> None:
        rows = [self.to_db(row) for row in raw_rows(self.stream, self.version + 1, batch)]
        cursor = self.connection.cursor()
        if batch == 1:
            cursor.execute(self.sql, rows[0])
        else:
            cursor.executemany(self.sql, rows)
        self.connection.commit()
        self.version += batch


def rate(append: Callable[[int], None], batch: int, events: int) -> float:
    calls = max(1, events // batch)
    start = time.perf_counter()
    for _ in range(calls):
        append(batch)
    return calls * batch / (time.perf_counter() - start)


@contextmanager
def sqlite_pair(folder: Path) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    path = folder / "bench.db"
    engine = create_store_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = FULL")
    raw.execute(RAW_TABLE.format(pk="INTEGER PRIMARY KEY AUTOINCREMENT", uuid="CHAR(32)",
                                 json="JSON", ts="DATETIME"))  # fmt: skip
    raw.isolation_level = "DEFERRED"

    def to_sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return (*row[:6], row[6].isoformat(), row[7].isoformat(), *row[8:])

    try:
        yield RawAppender(raw, ", ".join("?" * 11), to_sqlite), StoreAppender(EventStore(engine))
    finally:
        raw.close()
        engine.dispose()


@contextmanager
def postgres_pair(url: str) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_store_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = create_store_engine(scoped)
    metadata.create_all(engine)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    raw = psycopg.connect(conninfo, options=f"-csearch_path={schema}")
    with raw.cursor() as cursor:
        cursor.execute(RAW_TABLE.format(pk="BIGSERIAL PRIMARY KEY", uuid="UUID", json="JSONB",
                                        ts="TIMESTAMPTZ"))  # fmt: skip
    raw.commit()
    try:
        yield (
            RawAppender(raw, ", ".join(["%s"] * 11), lambda row: row),
            StoreAppender(EventStore(engine)),
        )
    finally:
        raw.close()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def measure(backend: str, pair: Any, events: int, rounds: int) -> list[Case]:
    cases = []
    with pair as (raw, store):
        for batch in TARGETS:
            case = Case(backend, batch, [], [])
            rate(raw, batch, batch * 20)  # warm caches and connections
            rate(store, batch, batch * 20)
            for _ in range(rounds):
                case.raw.append(rate(raw, batch, events))
                case.store.append(rate(store, batch, events))
            cases.append(case)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    parser.add_argument("--events", type=int, default=1000, help="events per round and case")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cases: list[Case] = []
    with tempfile.TemporaryDirectory() as folder:
        cases += measure("sqlite", sqlite_pair(Path(folder)), args.events, args.rounds)
    cases += measure("postgresql", postgres_pair(args.postgres), args.events, args.rounds)
    print(f"{'backend':<11} {'events/append':>13} {'raw ev/s':>10} {'store ev/s':>11} "
          f"{'ratio':>6} {'target':>7}")  # fmt: skip
    missed = [case for case in cases if case.ratio < TARGETS[case.batch]]
    for case in cases:
        target = TARGETS[case.batch]
        verdict = "MISSED" if case in missed else "ok"
        print(
            f"{case.backend:<11} {case.batch:>13} {statistics.median(case.raw):>10.0f} "
            f"{statistics.median(case.store):>11.0f} {case.ratio:>6.2f} "
            f"{'>=' + str(target):>7} {verdict}"
        )
    if missed:
        raise SystemExit(1)  # missed: make bench and CI see it, not only a reader of the table


if __name__ == "__main__":
    main()
