"""Tamper evidence and the JSON-lines export."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.exc import DataError

from eventstore.export import export_events
from eventstore.schema import events as events_table
from eventstore.store import EventStore
from eventstore.verify import verify_store
from tests.store.factories import events

EXPORT_FIELDS = [
    "position", "event_id", "stream_id", "version", "type", "schema_version",
    "occurred_at", "recorded_at", "actor", "data", "prev_hash", "hash",
]  # fmt: skip


def seeded(engine: Engine) -> EventStore:
    store = EventStore(engine)
    store.append("cycle-2018", events(3, "StepOpened"), expected_version=0)
    store.append("nominations-SG", events(2, "NominationsSubmitted"), expected_version=0)
    store.append("cycle-2018", events(2, "StepApproved"), expected_version=3)
    return store


def test_an_untouched_store_verifies(engine: Engine) -> None:
    report = verify_store(seeded(engine), page_size=2)

    assert report.ok
    assert (report.events_checked, report.streams_checked) == (7, 2)


def test_rewritten_data_is_reported_at_its_stream_and_version(engine: Engine) -> None:
    seeded(engine)
    with engine.begin() as conn:
        conn.execute(
            update(events_table)
            .where(events_table.c.stream_id == "cycle-2018", events_table.c.version == 2)
            .values(data={"n": 99})
        )

    report = verify_store(EventStore(engine))

    assert report.broken is not None
    assert (report.broken.stream_id, report.broken.version) == ("cycle-2018", 2)
    assert "does not match its hash" in str(report.broken)


def test_a_changed_actor_breaks_the_chain(engine: Engine) -> None:
    seeded(engine)
    with engine.begin() as conn:
        conn.execute(
            update(events_table)
            .where(events_table.c.stream_id == "nominations-SG", events_table.c.version == 1)
            .values(actor="chair_team/mallory")
        )

    broken = verify_store(EventStore(engine)).broken

    assert broken is not None
    assert (broken.stream_id, broken.version) == ("nominations-SG", 1)


def test_a_deleted_event_is_reported_at_the_next_version(engine: Engine) -> None:
    seeded(engine)
    with engine.begin() as conn:
        conn.execute(
            delete(events_table).where(
                events_table.c.stream_id == "cycle-2018", events_table.c.version == 3
            )
        )

    broken = verify_store(EventStore(engine)).broken

    assert broken is not None
    assert (broken.stream_id, broken.version) == ("cycle-2018", 4)
    assert "expected version 3" in broken.reason


def test_a_rehashed_event_still_breaks_its_successors_link(engine: Engine) -> None:
    store = seeded(engine)
    second = store.read_stream("cycle-2018")[1]
    with engine.begin() as conn:
        conn.execute(
            update(events_table)
            .where(events_table.c.position == second.position)
            .values(hash="f" * 64)
        )

    broken = verify_store(store).broken

    assert broken is not None
    assert (broken.stream_id, broken.version) == ("cycle-2018", 2)


def damage_data(engine: Engine) -> str:
    """Store data at cycle-2018 version 2 that no longer reads back as an event's data;
    return what the broken link should say about it.

    SQLite keeps JSON as text, so the text can stop being JSON at all. PostgreSQL's
    JSONB refuses such text, so there the closest damage is JSON that is not an
    object (the store only ever writes an object)."""
    rewrite = text("UPDATE events SET data = :data WHERE stream_id = 'cycle-2018' AND version = 2")
    if engine.dialect.name == "postgresql":
        refused = pytest.raises(DataError, match="invalid input syntax for type json")
        with refused, engine.begin() as conn:
            conn.execute(rewrite, {"data": '{"n": 1'})
        with engine.begin() as conn:
            conn.execute(rewrite, {"data": '["n", 1]'})
        return "the event's stored data is JSON but not an object (list)"
    with engine.begin() as conn:
        conn.execute(rewrite, {"data": '{"n": 1'})
    return "the event's stored data does not decode as JSON"


def test_data_that_no_longer_decodes_is_a_broken_link_not_a_crash(engine: Engine) -> None:
    seeded(engine)
    reason = damage_data(engine)

    report = verify_store(EventStore(engine), page_size=2)

    assert report.broken is not None
    assert (report.broken.stream_id, report.broken.version) == ("cycle-2018", 2)
    assert reason in report.broken.reason
    assert report.events_checked == 1  # it stops at the first broken link


def test_ascn_verify_reports_undecodable_data_as_tampering(engine: Engine) -> None:
    seeded(engine)
    reason = damage_data(engine)
    url = engine.url.render_as_string(hide_password=False)

    result = subprocess.run(
        [sys.executable, "-m", "ascn", "verify", "--db", url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("TAMPERED: stream 'cycle-2018' breaks at version 2 "), (
        result.stderr
    )
    assert reason in result.stderr


def test_export_writes_one_json_line_per_event_with_every_field(engine: Engine) -> None:
    store = seeded(engine)
    out = io.StringIO()

    count = export_events(store, out)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(lines) == 7
    assert all(list(line) == EXPORT_FIELDS for line in lines)
    assert [line["position"] for line in lines] == sorted(line["position"] for line in lines)
    first = lines[0]
    assert first["stream_id"] == "cycle-2018"
    assert first["type"] == "StepOpened"
    assert first["data"] == {"n": 0}
    assert first["occurred_at"].endswith("+00:00")


def test_export_of_one_stream(engine: Engine) -> None:
    store = seeded(engine)
    out = io.StringIO()

    export_events(store, out, stream_id="nominations-SG")

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["stream_id"], line["version"]) for line in lines] == [
        ("nominations-SG", 1),
        ("nominations-SG", 2),
    ]
