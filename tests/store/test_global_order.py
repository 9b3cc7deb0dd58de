"""A reader that follows the global position never skips a committed event."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Engine

import eventstore.appender
import eventstore.store
from eventstore.appender import COLUMN_NAMES, COLUMNS, HEAD, PostgresAppender
from eventstore.errors import ConcurrencyError
from eventstore.records import RecordedEvent
from eventstore.store import EventStore
from tests.store.factories import events


class TailingReader:
    """Polls read_all after the last position it saw, as a projection does."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.seen: list[RecordedEvent] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.poll()
            time.sleep(0.002)
        self.poll()

    def poll(self) -> None:
        after = self.seen[-1].position if self.seen else 0
        self.seen.extend(self.store.read_all(after_position=after, limit=50))

    def __enter__(self) -> TailingReader:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def append_with_retries(store: EventStore, stream_id: str, rounds: int) -> None:
    for _ in range(rounds):
        while True:
            version = store.stream_version(stream_id)
            try:
                store.append(stream_id, events(2), expected_version=version)
                break
            except ConcurrencyError:
                continue


def test_concurrent_writers_and_a_tailing_reader_agree_on_every_event(engine: Engine) -> None:
    store = EventStore(engine)
    # Two writers share a stream, so they race on versions as well as positions.
    streams = ["cycle-2018", "cycle-2018", "nominations-MY", "nominations-TH"]
    with TailingReader(store) as reader:
        writers = [
            threading.Thread(target=append_with_retries, args=(store, stream, 15))
            for stream in streams
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()

    everything = list(store.iter_all())
    assert len(everything) == len(streams) * 15 * 2
    assert [e.event_id for e in reader.seen] == [e.event_id for e in everything]
    assert [e.version for e in store.read_stream("cycle-2018")] == list(range(1, 61))


class SlowFirstCommit:
    """Wraps the store's appender so that the slow writer's commit takes a while."""

    def __init__(self, appender: Any, started: threading.Event) -> None:
        self._appender = appender
        self._started = started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._appender, name)

    def commit(self) -> None:
        if threading.current_thread().name == "slow-writer" and not self._started.is_set():
            self._started.set()
            time.sleep(0.6)
        self._appender.commit()


class UnlockedPostgresAppender(PostgresAppender):
    """The PostgreSQL appender without its advisory lock: what we must not ship."""

    def head(self, stream_id: str) -> tuple[int, str]:
        with self._connection.cursor() as cursor:
            cursor.execute(HEAD.format(mark="%s"), (stream_id,))
            row = cursor.fetchone()
        return (0, "0" * 64) if row is None else (int(row[0]), str(row[1]))

    def insert(self, rows: Sequence[dict[str, Any]]) -> tuple[int, ...]:
        with self._connection.cursor() as cursor:
            positions = []
            for row in rows:
                cursor.execute(
                    f"INSERT INTO events ({COLUMNS}) VALUES ({', '.join(['%s'] * 11)})"
                    " RETURNING position",
                    [row[name] for name in COLUMN_NAMES],
                )
                positions.append(cursor.fetchone()[0])  # type: ignore[index]
        return tuple(positions)


@pytest.fixture
def slow_first_commit(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    started = threading.Event()
    real = eventstore.appender.appender_for
    monkeypatch.setattr(
        eventstore.store, "appender_for", lambda conn: SlowFirstCommit(real(conn), started)
    )
    return started


def _race(store: EventStore, first_started: threading.Event) -> list[str]:
    """A slow writer takes a position first; a fast one commits while it waits."""
    seen: list[str] = []
    slow = threading.Thread(
        target=store.append,
        args=("slow", events(1)),
        kwargs={"expected_version": 0},
        name="slow-writer",
    )
    fast = threading.Thread(
        target=store.append, args=("fast", events(1)), kwargs={"expected_version": 0}
    )
    slow.start()
    assert first_started.wait(5)
    fast.start()
    last = 0
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and len(seen) < 2:
        for recorded in store.read_all(after_position=last):
            seen.append(recorded.stream_id)
            last = recorded.position
        time.sleep(0.01)
    slow.join()
    fast.join()
    return seen


def test_a_slow_commit_holds_back_later_positions(
    engine: Engine, slow_first_commit: threading.Event
) -> None:
    seen = _race(EventStore(engine), slow_first_commit)

    assert seen == ["slow", "fast"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_without_the_append_lock_a_reader_would_skip_an_event(
    engine: Engine, slow_first_commit: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shows why PostgreSQL appends serialize: drop the lock and the race loses an event."""
    monkeypatch.setattr(
        eventstore.store,
        "appender_for",
        lambda conn: SlowFirstCommit(UnlockedPostgresAppender(conn), slow_first_commit),
    )

    seen = _race(EventStore(engine), slow_first_commit)

    assert seen == ["fast"]
    assert sorted(e.stream_id for e in EventStore(engine).read_all()) == ["fast", "slow"]
