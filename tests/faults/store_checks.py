"""What every fault test checks last: the store as `ascn` itself exports and verifies it.

``assert_store_sound`` runs ``ascn events export`` and ``ascn verify`` on the store (the
real commands, in processes of their own), and checks the export:

* every expected fact is present exactly once (counted by type, and no event id or
  fact key twice);
* every stream's versions run 1, 2, ... n with no gap and no repeat;
* the read models equal a rebuild from the events (``assert_read_models_rebuild``).

The rebuild copies the events into a fresh store, runs the projector there from
position 0, and compares every read-model table's rows with the original's. The one
table that is not purely a projection is the mail outbox: the dispatcher marks its rows
(state, attempts, next attempt, last error), and a digest the dispatcher had already
tried makes a late mail start a follow-up digest (``digest_id``). Those columns are
compared against the events instead: a row is delivered exactly when its
``MailDelivered`` is stored, failed exactly when its ``MailFailed`` is.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, insert, select
from typer.testing import CliRunner, Result

from ascn.cli import app as cli
from ascn.projections import catch_up_all
from eventstore import migrate
from eventstore.engine import create_store_engine
from eventstore.readmodels import accounts
from eventstore.readmodels import schema as _readmodels  # noqa: F401 (registers the tables)
from eventstore.readmodels.accounts_tables import api_idempotency
from eventstore.readmodels.schema import outbox
from eventstore.schema import events, metadata, projection_checkpoints
from mail.dispatch import event_id_for

NOT_READ_MODELS = {events.name, projection_checkpoints.name, api_idempotency.name}
"""The log itself, the projections' bookmarks, and the API's cache of its answers."""
DISPATCHER_COLUMNS = ("state", "attempts", "next_attempt_at", "last_error", "digest_id")
"""rm_outbox columns the dispatcher writes (or decides), checked against the events."""
CLI_TIMEOUT_S = 120


def ascn(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m ascn ARGS`` as an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "ascn", *args],
        capture_output=True, text=True, timeout=CLI_TIMEOUT_S,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def ascn_here(*args: str) -> Result:
    """The same command run in this process (the machine is shared and busy, and starting
    a Python process that imports ascn takes seconds). Its logging set-up (a handler on
    the runner's stream, closed afterwards) is undone, as tests/api does."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        root.handlers[:], root.level = handlers, level


def export(url: str, folder: Path) -> list[dict[str, Any]]:
    """Every event, as ``ascn events export`` writes it."""
    path = folder / "export.jsonl"
    done = ascn_here("events", "export", "--db", url, "--out", str(path))
    assert done.exit_code == 0, done.output
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def assert_verify_clean(url: str) -> None:
    done = ascn_here("verify", "--db", url)
    assert done.exit_code == 0, done.output
    assert "every hash chain intact" in done.output, done.output


def assert_versions_contiguous(exported: list[dict[str, Any]]) -> None:
    by_stream: dict[str, list[int]] = {}
    for event in exported:
        by_stream.setdefault(event["stream_id"], []).append(event["version"])
    for stream, versions in by_stream.items():
        assert versions == list(range(1, len(versions) + 1)), f"{stream}: versions {versions}"
    positions = [event["position"] for event in exported]
    assert positions == sorted(set(positions)), "positions out of order or repeated"


def fact_key(event: dict[str, Any]) -> tuple[str, str, str]:
    """What makes a fact this fact: its stream, its type and what it says (not who sent
    it or when). Recording it twice, by a retry or a second caller, repeats this key."""
    return (event["stream_id"], event["type"], json.dumps(event["data"], sort_keys=True))


def assert_each_fact_once(
    exported: list[dict[str, Any]], expected: Mapping[str, int], *, stream_prefix: str = ""
) -> None:
    """``expected``: type -> how many facts of that type the streams starting with
    ``stream_prefix`` hold (types not named there are not counted)."""
    assert len({e["event_id"] for e in exported}) == len(exported), "an event id twice"
    chosen = [e for e in exported if e["stream_id"].startswith(stream_prefix)]
    repeated = [k for k, n in Counter(fact_key(e) for e in chosen).items() if n > 1]
    assert repeated == [], f"facts recorded more than once: {repeated}"
    counts = Counter(e["type"] for e in chosen)
    assert {t: counts.get(t, 0) for t in expected} == dict(expected), dict(counts)


def read_model_tables() -> list[Table]:
    return [t for name, t in sorted(metadata.tables.items()) if name not in NOT_READ_MODELS]


def rows_of(engine: Engine, table: Table, leave_out: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    columns = [c for c in table.columns if c.name not in leave_out]
    keys = list(table.primary_key.columns) or columns
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*columns).order_by(*keys))]


def rebuild(original: Engine, fresh_url: str) -> Engine:
    """A fresh store holding the original's events, its read models projected from 0."""
    fresh = create_store_engine(fresh_url)
    migrate.upgrade(fresh)
    with original.connect() as source, fresh.begin() as target:
        rows = [row._asdict() for row in source.execute(select(events).order_by(events.c.position))]
        if rows:
            target.execute(insert(events), rows)
    catch_up_all(fresh)
    accounts.catch_up(fresh)
    return fresh


def assert_read_models_rebuild(original: Engine, fresh_url: str) -> None:
    """Every read-model table of ``original`` (caught up first, as its projector would)
    equals the same table rebuilt from its events alone."""
    catch_up_all(original)
    accounts.catch_up(original)
    fresh = rebuild(original, fresh_url)
    try:
        for table in read_model_tables():
            leave_out = DISPATCHER_COLUMNS if table is outbox else ()
            assert rows_of(original, table, leave_out) == rows_of(fresh, table, leave_out), (
                f"{table.name} differs from its rebuild from the events"
            )
    finally:
        fresh.dispose()
    assert_outbox_states_follow_events(original)


def assert_outbox_states_follow_events(engine: Engine) -> None:
    with engine.connect() as conn:
        recorded = {
            (row.type, str(row.event_id))
            for row in conn.execute(
                select(events.c.type, events.c.event_id).where(
                    events.c.type.in_(["MailDelivered", "MailFailed"])
                )
            )
        }
        marked = conn.execute(select(outbox.c.message_id, outbox.c.state)).all()
    for message_id, state in marked:
        delivered = ("MailDelivered", str(event_id_for(message_id, "delivered"))) in recorded
        failed = ("MailFailed", str(event_id_for(message_id, "failed"))) in recorded
        expected = "delivered" if delivered else "failed" if failed else "queued"
        assert state == expected, f"outbox row {message_id} is {state}, its events say {expected}"


def assert_store_sound(
    url: str,
    folder: Path,
    expected: Mapping[str, int],
    *,
    fresh_url: str | None = None,
    stream_prefix: str = "",
) -> list[dict[str, Any]]:
    """The end of every fault test; returns the export for the test's own checks.
    ``fresh_url``: where to rebuild (default: a new SQLite file in ``folder``)."""
    exported = export(url, folder)
    assert_each_fact_once(exported, expected, stream_prefix=stream_prefix)
    assert_versions_contiguous(exported)
    assert_verify_clean(url)
    engine = create_store_engine(url)
    try:
        assert_read_models_rebuild(engine, fresh_url or f"sqlite:///{folder / 'rebuilt.db'}")
    finally:
        engine.dispose()
    return exported
