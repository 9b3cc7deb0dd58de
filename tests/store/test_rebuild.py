"""Read models built batch by batch equal a rebuild from position 0, and a batch that
fails before its commit leaves nothing half-applied: run again, each event counts once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from ascn.projections import REBUILT_TABLES, all_projections, rebuild
from benchmarks.status_store import MEMBER_STATES, Year
from domain.actors import Actor
from domain.events import DomainEvent, ExceptionGranted, LateSubmissionRecorded, StepWaived
from domain.monitoring import assess, explain_not_assessed
from domain.partners import (
    Launch,
    NewPartner,
    RecordMeetingOutcome,
    RecordTwinningException,
    add_partner,
    pair_city,
    record_meeting_outcome,
    record_twinning_exception,
)
from domain.plans import submit_plan
from domain.records import RecordsState, stream_of
from domain.reference import ReferenceData
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_new_event
from eventstore.projections import Projection, reset
from eventstore.projector import Projector
from eventstore.readmodels import accounts
from eventstore.readmodels.cycles import CycleProjection
from eventstore.readmodels.schema import outbox, steps
from eventstore.records import RecordedEvent
from eventstore.schema import events, projection_checkpoints
from eventstore.store import EventStore, utc_now
from mail.outbox import OutboxProjection
from services import users
from tests.records.builders import (
    SIEM_REAP,
    assessment,
    not_assessed,
    pair,
    partner,
    plan,
    project,
)

CHAIR_TEAM = Actor(id="alice", role="chair_team")
CSCO = Actor(id="csco", role=f"csco:{SIEM_REAP}")
ASEC = Actor(id="imd", role="asec")
REFERENCE = ReferenceData.load()
TABLES = [*(t for tables in REBUILT_TABLES.values() for t in tables), outbox]


class Crash(Exception):
    pass


class CrashesInBatch:
    """The cycle projection, failing after it applied its ``crash_on``-th batch, before
    the runner commits."""

    def __init__(self, inner: Projection, crash_on: int) -> None:
        self._inner = inner
        self.name = inner.name
        self.event_types = inner.event_types
        self.crash_on = crash_on
        self.batches = 0

    def apply_batch(self, conn: Connection, batch: Sequence[RecordedEvent]) -> None:
        self._inner.apply_batch(conn, batch)
        self.batches += 1
        if self.batches == self.crash_on:
            raise Crash(f"killed after applying {batch[0].position}..{batch[-1].position}")


def append(store: EventStore, stream: str, facts: Sequence[DomainEvent], actor: Actor) -> None:
    at = datetime(2003, 6, 1, tzinfo=UTC)
    new = [to_new_event(f, event_id=uuid.uuid4(), occurred_at=at, actor=actor) for f in facts]
    store.append(stream, new, expected_version=None)


def record_years(engine: Engine, projector: Projector | None) -> None:
    """Three cycle years (nominations, nil returns, reminders, escalations, approvals, the
    last one still overdue),
    an exception, a late submission, a waiver and a user with a token; ``projector``
    catches up after each part, so that batches end in the middle of things."""
    store = EventStore(engine)

    def project() -> None:
        if projector is not None:
            projector.run_once()

    for year in (Year(2000), Year(2001), Year(2002, probe=True)):  # 2002 stays overdue
        store.append(cycle_stream(year.year), year.opening(), expected_version=None)
        project()
        for code in MEMBER_STATES:
            store.append(nominations_stream(code), [year.nomination(code)], expected_version=None)
        project()
        store.append(cycle_stream(year.year), year.rest(), expected_version=None)
    append(
        store,
        nominations_stream("MY"),
        [
            ExceptionGranted(
                year=2002, member_state="MY", exception_id="x-1", rule="max_cities",
                max_cities=5, reason="a new capital",
            ),
            LateSubmissionRecorded(
                year=2002, member_state="MY", deadline=datetime(2002, 3, 21, tzinfo=UTC),
                submitted_at=datetime(2002, 3, 22, tzinfo=UTC),
            ),
        ],
        CHAIR_TEAM,
    )  # fmt: skip
    append(
        store,
        cycle_stream(2002),
        [StepWaived(year=2002, step="summit", reason="moved")],
        CHAIR_TEAM,
    )
    record_plans_and_partners(store)
    directory = users.Directory(store=store, clock=utc_now)
    admin = Actor(id="admin", role="admin")
    users.add_user(directory, users.AddUser(name="sam", role="shepherd:ID"), admin)
    users.issue_token(directory, users.IssueToken(name="sam"), admin)
    project()


def record_plans_and_partners(store: EventStore) -> None:
    """A plan revised once, an assessment and a reason not to assess, a partner, a
    meeting's outcome, a twinning exception and two pairs: a row in every records table."""
    state = RecordsState()
    first = submit_plan(state.plan, plan(SIEM_REAP, project()), REFERENCE)
    append(store, stream_of(plan(SIEM_REAP)), first, CSCO)
    state = state.apply_all(first)
    revised = plan(SIEM_REAP, project(), project("wifi", title="Public Wi-Fi"))
    second = submit_plan(state.plan, revised, REFERENCE)
    append(store, stream_of(revised), second, CSCO)
    monitoring = RecordsState().monitoring
    append(store, "monitoring-2019", assess(monitoring, assessment(), None), ASEC)
    why = explain_not_assessed(monitoring, not_assessed("wifi"), None)
    append(store, "monitoring-2019", why, ASEC)
    jica = add_partner(RecordsState().partners, partner(), REFERENCE)
    append(store, "partners", jica, CHAIR_TEAM)
    outcome = RecordMeetingOutcome(
        year=2018,
        partners=(NewPartner(partner_id="adb", name="Asian Development Bank",
                             kind="financial_institution"),),
        launches=(Launch(city_id=SIEM_REAP, project_id="smart-traffic", title="Smart traffic",
                         partner_id="adb"),),
    )  # fmt: skip
    launched = record_meeting_outcome(RecordsState().apply_all(jica).partners, outcome, REFERENCE)
    append(store, "partners", launched, CHAIR_TEAM)
    twinning = RecordsState().twinning
    exception = RecordTwinningException(
        year=2019, city_id=SIEM_REAP, exception_id="second-partner", reason="a pilot"
    )
    allowed = record_twinning_exception(twinning, exception, REFERENCE)
    paired = pair_city(twinning, pair(starts=date(2018, 8, 1)), REFERENCE, None)
    append(store, f"twinning-{SIEM_REAP}", [*allowed, *paired], CHAIR_TEAM)


def snapshot(engine: Engine) -> dict[str, Any]:
    """Every read-model table's rows, by primary key; the users as a lookup sees them."""
    with engine.connect() as conn:
        found: dict[str, Any] = {
            table.name: [
                row._asdict()
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in TABLES
        }
        # Users by name: a rebuild may give them other surrogate ids.
        found["users"] = [user.model_dump() for user in accounts.all_users(conn)]
    return found


def from_scratch(engine: Engine) -> dict[str, Any]:
    """What the events alone make: every read model rebuilt in one go, and the outbox
    queued again (no mail was ever sent in these tests)."""
    rebuild(engine)
    reset(engine, [OutboxProjection.name], [outbox])
    Projector(engine, [OutboxProjection()]).run_once()
    return snapshot(engine)


def checkpoint_positions(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(projection_checkpoints.c.name, projection_checkpoints.c.position)
        )
        return {name: int(position) for name, position in rows}


def test_read_models_projected_in_small_batches_equal_a_rebuild_from_position_0(
    engine: Engine,
) -> None:
    record_years(engine, Projector(engine, all_projections(), batch_size=7))
    head = EventStore(engine).last_position()
    incremental = snapshot(engine)
    assert all(incremental[table.name] for table in TABLES)  # every table has rows to compare
    assert incremental["users"][0]["tokens"]

    applied = rebuild(engine)
    rebuilt = snapshot(engine)
    reset(engine, [OutboxProjection.name], [outbox])
    Projector(engine, [OutboxProjection()]).run_once()
    requeued = snapshot(engine)

    assert applied == {"nominations": head, "cycles": head, "records": head}
    assert rebuilt == incremental
    assert requeued["rm_outbox"] == incremental["rm_outbox"]
    assert checkpoint_positions(engine) == dict.fromkeys(
        ("nominations", "cycles", "records", "outbox", accounts.CHECKPOINT), head
    )


def test_a_rebuild_run_again_gives_the_same_read_models(engine: Engine) -> None:
    record_years(engine, None)
    Projector(engine, all_projections()).run_once()
    first = from_scratch(engine)

    assert from_scratch(engine) == first


@pytest.mark.parametrize("crash_on", [1, 3])
def test_a_batch_killed_before_its_commit_leaves_nothing_and_a_rerun_counts_each_event_once(
    engine: Engine, crash_on: int
) -> None:
    record_years(engine, None)
    head = EventStore(engine).last_position()
    crashing = CrashesInBatch(CycleProjection(), crash_on)
    projections = [crashing if p.name == crashing.name else p for p in all_projections()]
    projector = Projector(engine, projections, batch_size=40)

    with pytest.raises(Crash):
        projector.run_once()

    positions = checkpoint_positions(engine)
    stopped = positions.get("cycles", 0)
    assert stopped < head
    # One transaction per batch: every checkpoint stopped at the same batch's end.
    assert {positions.get(name, 0) for name in ("nominations", "cycles", "outbox")} == {stopped}
    with engine.connect() as conn:
        reminders = conn.execute(
            select(func.count())
            .select_from(events)
            .where(events.c.type == "ReminderSent", events.c.position <= stopped)
        ).scalar_one()
        counted = conn.execute(select(func.coalesce(func.sum(steps.c.reminders_sent), 0)))
        queued_after = conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.created_position > stopped)
        ).scalar_one()
    assert counted.scalar_one() == reminders  # the failed batch's reminders are not counted
    assert queued_after == 0

    Projector(engine, all_projections(), batch_size=40).run_once()
    resumed = snapshot(engine)

    assert resumed == from_scratch(engine)


def test_a_rebuild_killed_part_way_leaves_consistent_read_models_and_can_be_run_again(
    engine: Engine,
) -> None:
    record_years(engine, None)
    Projector(engine, all_projections()).run_once()
    complete = snapshot(engine)
    batches: list[int] = []

    def killed_after_the_first_batch(events: int) -> None:
        batches.append(events)
        raise Crash("killed after a batch committed")

    with pytest.raises(Crash):
        rebuild(engine, killed_after_the_first_batch, batch_size=50)
    halfway = checkpoint_positions(engine)
    with engine.connect() as conn:
        behind = conn.execute(
            select(func.count()).select_from(steps).where(steps.c.position > halfway["cycles"])
        ).scalar_one()
    applied = rebuild(engine)

    assert batches == [50]
    assert halfway["cycles"] < EventStore(engine).last_position()
    assert behind == 0  # the read models stopped where their checkpoint did
    assert applied["cycles"] == EventStore(engine).last_position()
    assert snapshot(engine) == complete
