"""Tamper evidence and the JSON-lines export."""

from __future__ import annotations

import io
import json

from sqlalchemy import Engine, delete, update

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
