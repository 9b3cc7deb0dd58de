"""The store's contract, run against every backend."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

from eventstore.errors import ConcurrencyError, EventIdConflict, InvalidAppend
from eventstore.hashing import GENESIS_HASH
from eventstore.records import NewEvent
from eventstore.store import EventStore
from eventstore.verify import verify_store
from tests.store.factories import WHEN, events, new_event


@pytest.fixture
def store(engine: Engine) -> EventStore:
    return EventStore(engine)


def test_appends_to_a_new_stream_from_version_zero(store: EventStore) -> None:
    result = store.append("cycle-2018", events(3), expected_version=0)

    assert result.last_version == 3
    assert not result.already_recorded
    stored = store.read_stream("cycle-2018")
    assert [event.version for event in stored] == [1, 2, 3]
    assert [event.data["n"] for event in stored] == [0, 1, 2]
    assert [event.position for event in stored] == list(result.positions)


def test_reads_back_every_field_as_appended(store: EventStore) -> None:
    event = NewEvent(
        event_id=uuid.uuid4(),
        type="NominationsSubmitted",
        schema_version=2,
        data={"member_state": "MY", "cities": ["Kuching", "Johor Bahru"], "late": True},
        occurred_at=datetime(2018, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))),
        actor="nr:MY/aziz",
    )
    store.append("nominations-MY", [event], expected_version=0)

    (stored,) = store.read_stream("nominations-MY")
    assert stored.event_id == event.event_id
    assert stored.type == "NominationsSubmitted"
    assert stored.schema_version == 2
    assert stored.data == event.data
    assert stored.occurred_at == event.occurred_at
    assert stored.occurred_at.tzinfo is not None
    assert stored.recorded_at.tzinfo is not None
    assert stored.actor == "nr:MY/aziz"


def test_a_stale_expected_version_raises_and_writes_nothing(store: EventStore) -> None:
    store.append("cycle-2019", events(2), expected_version=0)

    with pytest.raises(ConcurrencyError) as raised:
        store.append("cycle-2019", events(1), expected_version=1)

    assert raised.value.stream_id == "cycle-2019"
    assert (raised.value.expected_version, raised.value.actual_version) == (1, 2)
    assert "'cycle-2019'" in str(raised.value)
    assert "version 2" in str(raised.value)
    assert "version 1" in str(raised.value)
    assert store.stream_version("cycle-2019") == 2


def test_expecting_a_new_stream_fails_when_it_exists(store: EventStore) -> None:
    store.append("cycle-2020", events(1), expected_version=0)

    with pytest.raises(ConcurrencyError):
        store.append("cycle-2020", events(1), expected_version=0)


def test_reappending_the_same_events_returns_the_original_positions(store: EventStore) -> None:
    batch = events(3)
    first = store.append("cycle-2021", batch, expected_version=0)
    store.append("cycle-2021", events(1), expected_version=3)

    again = store.append("cycle-2021", batch, expected_version=0)

    assert again.already_recorded
    assert again.positions == first.positions
    assert store.stream_version("cycle-2021") == 4


def test_reappending_without_a_version_check_is_also_a_no_op(store: EventStore) -> None:
    batch = events(2)
    first = store.append("cycle-2022", batch, expected_version=None)

    again = store.append("cycle-2022", batch, expected_version=None)

    assert again.already_recorded
    assert again.positions == first.positions
    assert len(store.read_stream("cycle-2022")) == 2


def test_the_same_event_id_with_other_content_is_an_error(store: EventStore) -> None:
    original = new_event("StepApproved", {"step": "scgw"})
    store.append("cycle-2023", [original], expected_version=0)
    tampered = original.model_copy(update={"data": {"step": "summit"}})

    with pytest.raises(EventIdConflict) as raised:
        store.append("cycle-2023", [tampered], expected_version=0)

    assert str(original.event_id) in str(raised.value)
    assert "data differs" in str(raised.value)
    assert store.stream_version("cycle-2023") == 1


def test_an_event_id_reused_in_another_stream_is_an_error(store: EventStore) -> None:
    event = new_event()
    store.append("cycle-2024", [event], expected_version=0)

    with pytest.raises(EventIdConflict, match="stream_id differs"):
        store.append("cycle-2025", [event], expected_version=0)

    assert store.read_stream("cycle-2025") == []


def test_a_batch_that_mixes_a_stored_and_a_new_event_is_refused(store: EventStore) -> None:
    stored = new_event()
    store.append("cycle-2026", [stored], expected_version=0)

    with pytest.raises(EventIdConflict, match="another batch"):
        store.append("cycle-2026", [stored, new_event()], expected_version=None)

    assert store.stream_version("cycle-2026") == 1


@pytest.mark.parametrize(
    ("stream_id", "batch", "expected_version", "message"),
    [
        ("", [new_event()], 0, "stream id"),
        ("x" * 201, [new_event()], 0, "1 to 200 characters"),
        ("cycle-2027", [], 0, "has no events"),
        ("cycle-2027", [new_event()], -1, "negative"),
    ],
)
def test_malformed_appends_are_refused(
    store: EventStore,
    stream_id: str,
    batch: list[NewEvent],
    expected_version: int,
    message: str,
) -> None:
    with pytest.raises(InvalidAppend, match=message):
        store.append(stream_id, batch, expected_version=expected_version)

    assert store.last_position() == 0


def test_the_same_id_twice_in_one_append_is_refused(store: EventStore) -> None:
    event = new_event()

    with pytest.raises(InvalidAppend, match="appears twice"):
        store.append("cycle-2028", [event, event], expected_version=0)


def test_data_that_is_not_json_is_refused(store: EventStore) -> None:
    event = new_event(data={"when": datetime(2018, 1, 1, tzinfo=UTC)})

    with pytest.raises(InvalidAppend, match="not plain JSON"):
        store.append("cycle-2029", [event], expected_version=0)

    assert store.last_position() == 0


def test_each_event_chains_to_its_predecessor(store: EventStore) -> None:
    store.append("cycle-2030", events(2), expected_version=0)
    store.append("cycle-2030", events(1), expected_version=2)

    first, second, third = store.read_stream("cycle-2030")
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_read_all_follows_the_global_position_across_streams(store: EventStore) -> None:
    store.append("a", events(2), expected_version=0)
    store.append("b", events(2), expected_version=0)
    store.append("a", events(1), expected_version=2)

    everything = store.read_all()
    positions = [event.position for event in everything]
    assert positions == sorted(positions)
    assert [event.stream_id for event in everything] == ["a", "a", "b", "b", "a"]
    assert [event.stream_id for event in store.read_all(after_position=positions[3])] == ["a"]
    assert len(store.read_all(limit=2)) == 2
    assert store.last_position() == positions[-1]


def test_read_stream_from_a_version(store: EventStore) -> None:
    store.append("cycle-2031", events(4), expected_version=0)

    assert [event.version for event in store.read_stream("cycle-2031", from_version=3)] == [3, 4]
    assert store.read_stream("no-such-stream") == []
    assert store.stream_version("no-such-stream") == 0


def test_recorded_at_comes_from_the_stores_clock(engine: Engine) -> None:
    moment = WHEN + timedelta(days=3)
    store = EventStore(engine, clock=lambda: moment)

    store.append("cycle-2032", events(1), expected_version=0)

    assert store.read_stream("cycle-2032")[0].recorded_at == moment


def test_a_writer_with_a_stale_cached_head_gets_a_concurrency_error(engine: Engine) -> None:
    # Two stores on one database stand for two worker processes, each with its cache.
    first, second = EventStore(engine), EventStore(engine)
    first.append("cycle-2033", events(1), expected_version=0)
    second.append("cycle-2033", events(1), expected_version=1)

    with pytest.raises(ConcurrencyError) as raised:
        first.append("cycle-2033", events(1), expected_version=1)

    assert (raised.value.expected_version, raised.value.actual_version) == (1, 2)
    assert first.append("cycle-2033", events(1), expected_version=2).last_version == 3


def test_an_unchecked_append_over_a_stale_cache_chains_onto_the_real_head(engine: Engine) -> None:
    first, second = EventStore(engine), EventStore(engine)
    first.append("cycle-2034", events(2), expected_version=0)
    second.append("cycle-2034", events(3), expected_version=None)

    result = first.append("cycle-2034", events(2), expected_version=None)

    assert result.last_version == 7
    assert verify_store(first).ok
    stored = first.read_stream("cycle-2034")
    assert [e.version for e in stored] == list(range(1, 8))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(stored))


def test_a_retry_after_others_appended_still_returns_the_original(engine: Engine) -> None:
    first, second = EventStore(engine), EventStore(engine)
    batch = events(2)
    original = first.append("cycle-2035", batch, expected_version=0)
    second.append("cycle-2035", events(1), expected_version=2)

    again = first.append("cycle-2035", batch, expected_version=None)

    assert again.already_recorded
    assert again.positions == original.positions


def test_batch_positions_follow_versions(store: EventStore) -> None:
    result = store.append("cycle-2036", events(150), expected_version=0)

    stored = store.read_stream("cycle-2036")
    assert [e.position for e in stored] == list(result.positions)
    assert [e.data["n"] for e in stored] == list(range(150))
