"""Many rows of one read-model table written in one driver ``executemany``.

SQLAlchemy's own executemany builds and type-processes a parameter dict per row
through its compiler, which cost more than the database's work when a catch-up
writes a hundred thousand rows. Here each statement is compiled once per dialect
and table, every column's bind processor (the same one SQLAlchemy would use, so the
stored values are the same) is looked up once and run once per distinct value,
and the rows go to the driver's cursor as plain tuples (sqlite3) or dicts (psycopg),
on the connection's own transaction: psycopg pipelines them, sqlite3 steps one
prepared statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

Row = dict[str, Any]
Processor = Callable[[Any], Any] | None


class _Compiled:
    """A statement as the driver takes it, and how to turn a row into its parameters."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, table: Table) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = compiled.string
        names: Sequence[str] = (
            list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
        )
        self.positional = compiled.positional
        self.fields: list[tuple[str, Processor]] = []
        for name in names:
            # Bind names are the column's, or "k_<column>" / "v_<column>" (updates, deletes).
            column = name[2:] if name[:2] in ("k_", "v_") and name not in table.c else name
            processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
            self.fields.append((name, processor))

    def parameters(self, rows: Sequence[Row]) -> list[Any]:
        """Column by column (the processors run over each column's distinct values only),
        then zipped into one tuple (or dict) a row."""
        columns = []
        for name, process in self.fields:
            values = list(map(itemgetter(name), rows))
            columns.append(values if process is None else _processed(process, values))
        if self.positional:
            return list(zip(*columns, strict=True))
        names = [name for name, _ in self.fields]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _processed(process: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``process`` over ``values``, once for each distinct value: the rows of a batch
    repeat the same instants and lists (a reminder's deadline and due time are the same
    in each of its recipients' rows), and processing them was most of a row's cost."""
    if len(set(map(type, values)) - {type(None)}) <= 1:  # so that 1 and True never meet
        try:
            done = {value: process(value) for value in set(values)}
        except TypeError:  # lists (JSON)
            pass
        else:
            return list(map(done.__getitem__, values))
    by_items: dict[tuple[str, ...], Any] = {}
    out = []
    for value in values:
        if type(value) is list and all(type(item) is str for item in value):
            key = tuple(value)
            found = by_items.get(key)
            if found is None:
                found = by_items[key] = process(value)
            out.append(found)
        else:
            out.append(process(value))
    return out


_cache: dict[tuple[str, str, str], _Compiled] = {}


def _compiled(conn: Connection, table: Table, kind: str) -> _Compiled:
    key = (conn.dialect.name, table.name, kind)
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = _Compiled(_statement(conn, table, kind), conn.dialect, table)
    return found


def _statement(conn: Connection, table: Table, kind: str) -> ClauseElement:
    keys = [column.name for column in table.primary_key.columns]
    match = and_(*(table.c[name] == bindparam(f"k_{name}") for name in keys))
    if kind == "delete":
        return delete(table).where(match)
    if kind == "update":
        changes: dict[str, Any] = {
            c.name: bindparam(f"v_{c.name}") for c in table.columns if c.name not in keys
        }
        return update(table).where(match).values(changes)
    values: dict[str, Any] = {c.name: bindparam(c.name) for c in table.columns}
    if kind == "insert_ignore":
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        return dialect_insert(table).values(values).on_conflict_do_nothing()
    return insert(table).values(values)


def _run(conn: Connection, table: Table, kind: str, rows: Sequence[Row]) -> None:
    if not rows:
        return
    compiled = _compiled(conn, table, kind)
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(compiled.sql, compiled.parameters(rows))
    finally:
        cursor.close()


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Insert ``rows`` (every column of ``table`` named in each)."""
    _run(conn, table, "insert", rows)


def insert_new_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Insert ``rows``, leaving alone those whose primary key is already there."""
    _run(conn, table, "insert_ignore", rows)


def update_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Set every column of the rows found by each row's primary key."""
    _run(conn, table, "update", [_keyed(table, row, values=True) for row in rows])


def delete_rows(conn: Connection, table: Table, keys: Sequence[Row]) -> None:
    """Delete the rows of ``keys`` (dicts of the primary key's columns)."""
    _run(conn, table, "delete", [_keyed(table, key, values=False) for key in keys])


def _keyed(table: Table, row: Row, *, values: bool) -> Row:
    keyed = {f"k_{c.name}": row[c.name] for c in table.primary_key.columns}
    if values:
        keyed.update({f"v_{name}": value for name, value in row.items()})
    return keyed
