"""The fault suite's final checks can fail: each catches the damage it is there for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from ascn.projections import catch_up_all
from domain.actors import Actor
from domain.events import CycleOpened, DomainEvent, ReminderSent, StepOpened
from domain.streams import cycle_stream
from eventstore import migrate
from eventstore.codec import to_new_event
from eventstore.engine import create_store_engine
from eventstore.readmodels.schema import outbox, steps
from eventstore.store import EventStore
from tests.faults.store_checks import (
    assert_each_fact_once,
    assert_read_models_rebuild,
    assert_store_sound,
    assert_versions_contiguous,
)

pytestmark = pytest.mark.faults
SYSTEM = Actor(id="cycle", role="system")


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A store with a cycle's first facts and a reminder, projected."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = create_store_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    facts: list[DomainEvent] = [
        CycleOpened(year=2027, chair="SG", shepherd="ID", template="recurring"),
        StepOpened(year=2027, step="scgw", deadline=now + timedelta(days=9)),
        ReminderSent(year=2027, step="scgw", rung="T-7", recipients=("nr:SG",)),
    ]
    EventStore(engine).append(
        cycle_stream(2027),
        [to_new_event(f, event_id=uuid.uuid4(), occurred_at=now, actor=SYSTEM) for f in facts],
        expected_version=None,
    )
    catch_up_all(engine)
    engine.dispose()
    return url


EXPECTED = {"CycleOpened": 1, "StepOpened": 1, "ReminderSent": 1}


def change(url: str, statement: object) -> Engine:
    engine = create_store_engine(url)
    with engine.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]
    return engine


def test_a_sound_store_passes(url: str, tmp_path: Path) -> None:
    exported = assert_store_sound(url, tmp_path, EXPECTED)

    assert [e["type"] for e in exported] == ["CycleOpened", "StepOpened", "ReminderSent"]


def test_a_read_model_row_the_events_do_not_say_is_caught(url: str, tmp_path: Path) -> None:
    engine = change(url, update(steps).values(state="approved"))

    with pytest.raises(AssertionError, match="rm_steps differs from its rebuild"):
        assert_read_models_rebuild(engine, f"sqlite:///{tmp_path / 'rebuilt.db'}")


def test_a_mail_marked_sent_without_its_event_is_caught(url: str, tmp_path: Path) -> None:
    engine = change(url, update(outbox).values(state="delivered"))

    with pytest.raises(AssertionError, match="its events say queued"):
        assert_read_models_rebuild(engine, f"sqlite:///{tmp_path / 'rebuilt.db'}")


def test_a_fact_twice_a_missing_one_and_a_gap_are_caught() -> None:
    def event(version: int, type_: str, step: str) -> dict[str, object]:
        return {"event_id": str(uuid.uuid4()), "stream_id": "cycle-2027", "version": version,
                "position": version, "type": type_, "data": {"step": step}}  # fmt: skip

    twice = [event(1, "StepApproved", "scgw"), event(2, "StepApproved", "scgw")]
    with pytest.raises(AssertionError, match="more than once"):
        assert_each_fact_once(twice, {"StepApproved": 2})
    with pytest.raises(AssertionError):
        assert_each_fact_once(twice[:1], {"StepApproved": 1, "StepCompleted": 1})
    with pytest.raises(AssertionError, match="versions"):
        assert_versions_contiguous([event(1, "A", "x"), event(3, "B", "y")])
