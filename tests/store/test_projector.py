"""The projector: passes that bring every projection up to the head, in a loop until stopped."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from eventstore.projector import Projector
from eventstore.records import RecordedEvent
from eventstore.schema import projection_checkpoints
from eventstore.store import EventStore
from tests.store.factories import events


class Seen:
    """Remembers the positions it was handed; fails its first ``failures`` batches."""

    event_types: frozenset[str] | None = None

    def __init__(self, name: str, failures: int = 0) -> None:
        self.name = name
        self.failures = failures
        self.positions: list[int] = []

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the database went away")
        self.positions += [event.position for event in events]


def checkpoints(engine: Engine) -> list[tuple[str, int, object]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(projection_checkpoints))]


def eventually(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the projector did not catch up in time"
        time.sleep(0.05)


def test_a_pass_brings_every_projection_to_the_head_and_an_idle_pass_writes_nothing(
    engine: Engine,
) -> None:
    store = EventStore(engine)
    positions = store.append("a", events(5), expected_version=0).positions
    first, second = Seen("first"), Seen("second")
    projector = Projector(engine, [first, second], batch_size=2)

    assert projector.run_once() == {"first": 5, "second": 5}
    assert first.positions == second.positions == list(positions)
    assert projector.positions() == (
        positions[-1],
        {"first": positions[-1], "second": positions[-1]},
    )
    written = checkpoints(engine)
    assert projector.run_once() == {"first": 0, "second": 0}
    assert checkpoints(engine) == written  # not even a checkpoint's updated_at


def test_the_loop_follows_new_events_until_stopped(engine: Engine) -> None:
    store = EventStore(engine)
    seen = Seen("seen")
    projector = Projector(engine, [seen])
    stop = threading.Event()
    loop = threading.Thread(target=projector.run, args=(stop,), kwargs={"interval": 0.05})
    loop.start()
    try:
        for round_ in range(3):
            store.append("a", events(2), expected_version=2 * round_)
            eventually(lambda: projector.positions()[1]["seen"] == store.last_position())
    finally:
        stop.set()
        loop.join(timeout=10)

    assert not loop.is_alive()
    assert len(seen.positions) == 6


def test_a_failed_pass_is_retried_on_the_next(engine: Engine) -> None:
    store = EventStore(engine)
    store.append("a", events(3), expected_version=0)
    flaky = Seen("flaky", failures=2)
    projector = Projector(engine, [flaky])

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.create_task(projector.run_async(stop, interval=0.05))
        deadline = time.monotonic() + 20
        while len(flaky.positions) < 3:
            assert time.monotonic() < deadline, "the projector gave up after a failed pass"
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(loop, 10)

    asyncio.run(run())

    assert flaky.positions == [e.position for e in store.read_all()]
    assert flaky.failures == 0
