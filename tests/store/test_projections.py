"""Catch-up projections apply each event exactly once, across restarts and crashes."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.engine import Connection

from eventstore.projections import ProjectionRunner
from eventstore.records import RecordedEvent
from eventstore.store import EventStore
from tests.store.factories import events

test_metadata = MetaData()
counts = Table(
    "test_counts",
    test_metadata,
    Column("stream_id", String(200), primary_key=True),
    Column("applied", Integer(), nullable=False),
)


class Crash(Exception):
    pass


class CountPerStream:
    """Counts applied events per stream; a double apply would over-count."""

    name = "count-per-stream"

    def __init__(
        self, crash_at_position: int | None = None, event_types: frozenset[str] | None = None
    ) -> None:
        self.crash_at_position = crash_at_position
        self.event_types = event_types
        self.batches: list[list[int]] = []

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        self.batches.append([event.position for event in events])
        for event in events:
            if event.position == self.crash_at_position:
                raise Crash(f"crash while applying position {event.position}")
            changed = conn.execute(
                update(counts)
                .where(counts.c.stream_id == event.stream_id)
                .values(applied=counts.c.applied + 1)
            ).rowcount
            if not changed:
                conn.execute(counts.insert().values(stream_id=event.stream_id, applied=1))


@pytest.fixture
def counting_engine(engine: Engine) -> Iterator[Engine]:
    test_metadata.create_all(engine)
    yield engine
    test_metadata.drop_all(engine)


def applied(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {row.stream_id: row.applied for row in conn.execute(select(counts))}


def test_catch_up_applies_every_event_once(counting_engine: Engine) -> None:
    store = EventStore(counting_engine)
    store.append("a", events(3), expected_version=0)
    store.append("b", events(2), expected_version=0)
    runner = ProjectionRunner(counting_engine, CountPerStream(), batch_size=2)

    assert runner.catch_up() == 5
    assert runner.catch_up() == 0
    assert applied(counting_engine) == {"a": 3, "b": 2}
    assert runner.checkpoint() == store.last_position()


def test_a_restarted_runner_resumes_from_its_checkpoint(counting_engine: Engine) -> None:
    store = EventStore(counting_engine)
    store.append("a", events(3), expected_version=0)
    ProjectionRunner(counting_engine, CountPerStream()).catch_up()
    store.append("a", events(2), expected_version=3)

    restarted = ProjectionRunner(counting_engine, CountPerStream())

    assert restarted.catch_up() == 2
    assert applied(counting_engine) == {"a": 5}


def test_a_crash_mid_batch_rolls_back_the_read_model_with_the_checkpoint(
    counting_engine: Engine,
) -> None:
    store = EventStore(counting_engine)
    positions = store.append("a", events(4), expected_version=0).positions
    crashing = ProjectionRunner(counting_engine, CountPerStream(crash_at_position=positions[2]))

    with pytest.raises(Crash):
        crashing.catch_up()

    assert crashing.checkpoint() == 0
    assert applied(counting_engine) == {}
    ProjectionRunner(counting_engine, CountPerStream()).catch_up()
    assert applied(counting_engine) == {"a": 4}


def test_two_runners_of_one_projection_do_not_double_apply(counting_engine: Engine) -> None:
    store = EventStore(counting_engine)
    for index in range(10):
        store.append(f"s{index % 3}", events(5), expected_version=None)
    runners = [ProjectionRunner(counting_engine, CountPerStream(), batch_size=3) for _ in "ab"]
    threads = [threading.Thread(target=runner.catch_up) for runner in runners]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with counting_engine.connect() as conn:
        total = conn.execute(select(func.sum(counts.c.applied))).scalar()
    assert total == 50


def test_a_projection_sees_only_its_event_types_and_passes_over_the_rest(
    counting_engine: Engine,
) -> None:
    store = EventStore(counting_engine)
    store.append("a", events(4), expected_version=0)
    others = store.append("b", events(2, type="Other"), expected_version=0).positions
    store.append("a", events(1), expected_version=4)
    projection = CountPerStream(event_types=frozenset({"Other"}))
    runner = ProjectionRunner(counting_engine, projection, batch_size=3)

    assert runner.catch_up() == 7
    assert applied(counting_engine) == {"b": 2}
    assert runner.checkpoint() == store.last_position()
    # Batches of 3 events: only the second holds an "Other"; the others are not handed over.
    assert projection.batches == [list(others)]
