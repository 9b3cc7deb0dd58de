"""The append hot path, on the driver connection from SQLAlchemy's pool.

Appends are the one operation where SQLAlchemy's per-statement overhead (about
as long as an SQLite commit) would dominate, so they speak to the driver
directly with SQL written once per backend. Everything else, reads included,
goes through SQLAlchemy Core. The contract tests read back through SQLAlchemy
every field written here, so the two paths cannot drift apart unnoticed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg

from eventstore.hashing import GENESIS_HASH

COLUMNS = (
    "event_id, stream_id, version, type, schema_version, data,"
    " occurred_at, recorded_at, actor, prev_hash, hash"
)
COLUMN_NAMES = [name.strip() for name in COLUMNS.split(",")]
HEAD = "SELECT version, hash FROM events WHERE stream_id = {mark} ORDER BY version DESC LIMIT 1"
# Any constant works: it only has to be the same for every writer of a database.
APPEND_LOCK_KEY = 0x4153434E  # "ASCN"
LOCK = f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})"
# One array parameter a column, sent in binary: the statement text is the same
# for any batch size, so psycopg prepares it once, and no element is quoted.
# The rows come from a join with the lock call, so no row (and no sequence
# value) exists before the lock is held.
POSTGRES_INSERT = f"""
INSERT INTO events ({COLUMNS})
SELECT new.event_id, new.stream_id, new.version, new.type, new.schema_version,
       new.data::jsonb, new.occurred_at, new.recorded_at, new.actor, new.prev_hash, new.hash
FROM ({LOCK}) AS lock,
     unnest(%b::uuid[], %b::text[], %b::int[], %b::text[], %b::int[], %b::text[],
            %b::timestamptz[], %b::timestamptz[], %b::text[], %b::text[], %b::text[])
       AS new ({COLUMNS})
RETURNING version, position
"""  # noqa: S608 (constants only)
# The common case, one event, with plain parameters: dumping eleven one-element
# arrays costs more than the round trip it would save.
POSTGRES_INSERT_ONE = f"""
INSERT INTO events ({COLUMNS})
SELECT %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s FROM ({LOCK}) AS lock
RETURNING version, position
"""  # noqa: S608 (constants only)

# Rows as the store builds them: "data" is already canonical JSON text.
Row = dict[str, Any]
DUPLICATE_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)


class Appender(Protocol):
    def begin(self) -> None:
        """Start a write transaction whose positions no other append can interleave."""

    def head(self, stream_id: str) -> tuple[int, str]:
        """The stream's last version and hash, as committed before ``begin``."""

    def insert(self, rows: Sequence[Row]) -> tuple[int, ...]: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class SQLiteAppender:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._cursor = connection.cursor()

    def begin(self) -> None:
        self._cursor.execute("BEGIN IMMEDIATE")

    def head(self, stream_id: str) -> tuple[int, str]:
        self._cursor.execute(HEAD.format(mark="?"), (stream_id,))
        return _head(self._cursor.fetchone())

    def insert(self, rows: Sequence[Row]) -> tuple[int, ...]:
        recorded_at = _sqlite_time(rows[0]["recorded_at"])
        values = [
            (
                row["event_id"].hex,
                row["stream_id"],
                row["version"],
                row["type"],
                row["schema_version"],
                row["data"],
                _sqlite_time(row["occurred_at"]),
                recorded_at,
                row["actor"],
                row["prev_hash"],
                row["hash"],
            )
            for row in rows
        ]
        sql = f"INSERT INTO events ({COLUMNS}) VALUES ({', '.join('?' * 11)})"  # noqa: S608 (constants)
        if len(values) == 1:
            self._cursor.execute(f"{sql} RETURNING position", values[0])
            return (int(self._cursor.fetchone()[0]),)
        self._cursor.executemany(sql, values)
        # Under the write lock, one statement's AUTOINCREMENT rowids are consecutive.
        last = int(self._cursor.execute("SELECT last_insert_rowid()").fetchone()[0])
        return tuple(range(last - len(values) + 1, last + 1))

    def commit(self) -> None:
        self._connection.commit()

    def rollback(self) -> None:
        self._connection.rollback()


class PostgresAppender:
    """As many round trips as a plain INSERT in a transaction: BEGIN, INSERT, COMMIT.

    The INSERT takes the advisory lock itself (see ``POSTGRES_INSERT``). A head
    read, when the store needs one, takes the lock first, and being a statement
    of its own it sees every append committed before the lock.
    """

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def begin(self) -> None:
        """psycopg opens the transaction with the first statement."""

    def head(self, stream_id: str) -> tuple[int, str]:
        with self._connection.cursor() as cursor:
            cursor.execute(LOCK)
            cursor.execute(HEAD.format(mark="%s"), (stream_id,))
            return _head(cursor.fetchone())

    def insert(self, rows: Sequence[Row]) -> tuple[int, ...]:
        with self._connection.cursor() as cursor:
            if len(rows) == 1:
                cursor.execute(POSTGRES_INSERT_ONE, [rows[0][name] for name in COLUMN_NAMES])
            else:
                columns = [[row[name] for row in rows] for name in COLUMN_NAMES]
                cursor.execute(POSTGRES_INSERT, columns)
            by_version = dict(cursor.fetchall())
        return tuple(int(by_version[row["version"]]) for row in rows)

    def commit(self) -> None:
        self._connection.commit()

    def rollback(self) -> None:
        self._connection.rollback()


def appender_for(driver_connection: Any) -> Appender:
    if isinstance(driver_connection, sqlite3.Connection):
        return SQLiteAppender(driver_connection)
    if isinstance(driver_connection, psycopg.Connection):
        return PostgresAppender(driver_connection)
    raise TypeError(f"no appender for {type(driver_connection).__name__}")


def _head(row: Any) -> tuple[int, str]:
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def _one(row: Any) -> Any:
    if row is None:
        raise RuntimeError("INSERT ... RETURNING returned no row")
    return row[0]


def _sqlite_time(moment: datetime) -> str:
    # The format SQLAlchemy's SQLite DATETIME reads back; UTCDateTime stores naive UTC.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
