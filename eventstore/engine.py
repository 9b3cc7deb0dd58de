"""Engines for the two supported backends, configured for an append-only log.

SQLite: WAL with ``synchronous=FULL`` so that a committed append survives a power
cut, and ``BEGIN IMMEDIATE`` on write transactions so that two writers queue on the
database lock instead of failing to upgrade a read lock half-way.
PostgreSQL: psycopg 3; appends serialize on an advisory lock (see ``store.py``).

A read-only SQLite engine (``read_only=True``: ``ascn verify``, ``ascn events export``)
opens the file with ``mode=ro`` and sets no WAL pragma, which would be a write, so that
a copy with mode 0444, or in a read-only folder, can still be checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from eventstore.errors import EventStoreError

WRITE_OPTION = "ascn_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class UnsupportedDatabase(EventStoreError):
    pass


def parse_database_url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise UnsupportedDatabase(f"not a database URL: {url!s}") from error
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        # One driver for the whole project, whatever spelling the operator used.
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise UnsupportedDatabase(
        f"database {parsed.render_as_string(hide_password=True)!r} is not supported; "
        "use sqlite:///PATH or postgresql://USER@HOST/DB"
    )


def create_store_engine(
    url: str | URL, *, echo: bool = False, must_exist: bool = False, read_only: bool = False
) -> Engine:
    """An engine for ``url``. ``must_exist`` refuses to create a new SQLite file;
    ``read_only`` opens an existing SQLite file for reading only (PostgreSQL: the
    role's own privileges decide)."""
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "postgresql":
        # No pre-ping: it would cost every append a round trip. A connection found
        # broken is invalidated, and the caller (an activity) retries.
        return create_engine(parsed, echo=echo)
    return _create_sqlite_engine(
        parsed, echo=echo, must_exist=must_exist or read_only, read_only=read_only
    )


def _create_sqlite_engine(url: URL, *, echo: bool, must_exist: bool, read_only: bool) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:")
    read_only = read_only and not in_memory
    kwargs: dict[str, Any] = {}
    if in_memory:
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        path = Path(database).expanduser()
        if must_exist and not path.exists():
            raise UnsupportedDatabase(f"no database at {path}; run `ascn migrate` to create one")
        if read_only:
            url = _read_only_url(url, path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, not pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory and not read_only:
            # A write: it creates the WAL files, which a read-only folder cannot hold.
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def _read_only_url(url: URL, path: Path) -> URL:
    """``mode=ro`` as an SQLite URI. In a folder we cannot write, SQLite cannot create
    the WAL's shared-memory file and would refuse to open the database at all; with no
    WAL files beside it, nothing can be writing to it either, so it is opened as
    ``immutable`` (no locks, no shared memory). With WAL files present their content
    counts, so they are read as they are."""
    query = {"mode": "ro", "uri": "true"}
    wal_files = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if not os.access(path.parent, os.W_OK) and not any(f.exists() for f in wal_files):
        query["immutable"] = "1"
    return url.set(database=f"file:{quote(str(path.resolve()))}", query=query)


def is_postgresql(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection in one read transaction, so that what it reads is one consistent
    snapshot (SQLite: the WAL snapshot; PostgreSQL: REPEATABLE READ)."""
    with engine.connect() as conn:
        if is_postgresql(conn):
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
