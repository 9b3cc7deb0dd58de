"""The cycle read models follow a year's cycle: its steps, and who is overdue on what."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection

from ascn.projections import all_projections, catch_up_all
from domain.actors import Actor
from domain.events import (
    CityNomination,
    CycleCompleted,
    CycleOpened,
    DeadlineExtended,
    DomainEvent,
    NilReturnDeclared,
    NominationsSubmitted,
    Noted,
    Person,
    ReminderSent,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
    StepWaived,
)
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_new_event
from eventstore.engine import is_postgresql
from eventstore.projections import ProjectionRunner
from eventstore.readmodels.cycles import (
    CycleProjection,
    CycleView,
    StepView,
    cycle_view,
    list_cycles,
    overdue_items,
)
from eventstore.readmodels.nominations import accepted_nominations
from eventstore.store import EventStore

SYSTEM = Actor(id="cycle", role="system")
ALICE = Actor(id="alice", role="chair_team:SG")
NOMINATIONS = "nomination_deadline"
MEETING = "annual_meeting"
SUMMIT = "summit"
OPENED_AT = datetime(2018, 2, 1, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2018, 3, 14, 17, 0, tzinfo=UTC)
EXTENDED = datetime(2018, 3, 21, 17, 0, tzinfo=UTC)


class Cycle:
    """Records one year's facts in the store, each an hour after the last."""

    def __init__(self, store: EventStore, year: int = 2018) -> None:
        self.store = store
        self.year = year
        self.now = OPENED_AT.replace(year=year)
        self.times: list[datetime] = []

    def record(self, fact: DomainEvent, actor: Actor = SYSTEM) -> datetime:
        if isinstance(fact, NominationsSubmitted | NilReturnDeclared):
            stream = nominations_stream(fact.member_state)
        else:
            stream = cycle_stream(self.year)
        new = to_new_event(fact, event_id=uuid.uuid4(), occurred_at=self.now, actor=actor)
        self.store.append(stream, [new], expected_version=None)
        at, self.now = self.now, self.now + timedelta(hours=1)
        self.times.append(at)
        return at

    # The 2018 cycle, stage by stage; each stage returns when its last fact happened.

    def opens(self) -> datetime:
        y = self.year
        self.record(CycleOpened(year=y, chair="SG", shepherd="MY", template="standard"))
        return self.record(StepOpened(year=y, step=NOMINATIONS, deadline=self.deadline))

    def reminds(self) -> datetime:
        everyone, late = ("nr:MY", "nr:TH", "nr:VN"), ("nr:TH", "nr:VN")
        self.record(ReminderSent(year=self.year, step=NOMINATIONS, rung="T-7", recipients=everyone))
        self.record(self.nominate("MY"), Actor.nr("MY", "aziz"))
        return self.record(
            ReminderSent(year=self.year, step=NOMINATIONS, rung="T-1", recipients=late)
        )

    def extends(self) -> datetime:
        return self.record(
            DeadlineExtended(
                year=self.year, step=NOMINATIONS, previous_deadline=self.deadline,
                new_deadline=self.extended, reason="Songkran holidays",
            ),
            ALICE,
        )  # fmt: skip

    def escalates(self) -> tuple[datetime, datetime]:
        owed = ("nr:TH", "nr:VN")
        first = self.record(
            StepEscalated(year=self.year, step=NOMINATIONS, rung="D+1",
                          escalated_to="shepherd:MY", outstanding=owed)
        )  # fmt: skip
        second = self.record(
            StepEscalated(year=self.year, step=NOMINATIONS, rung="D+7",
                          escalated_to="chair_of_ascn:nr:SG", outstanding=owed)
        )  # fmt: skip
        return first, second

    def th_nominates_late(self) -> datetime:
        return self.record(self.nominate("TH"), Actor.nr("TH", "somchai"))

    def approves(self) -> datetime:
        return self.record(StepApproved(year=self.year, step=NOMINATIONS), ALICE)

    def completes_nominations(self) -> datetime:
        return self.record(StepCompleted(year=self.year, step=NOMINATIONS, outstanding=("nr:VN",)))

    def holds_the_meeting(self) -> datetime:
        y = self.year
        self.record(StepWaived(year=y, step=SUMMIT, reason="no summit session this year"), ALICE)
        self.record(StepOpened(year=y, step=MEETING, deadline=self.deadline + timedelta(days=60)))
        self.record(StepApproved(year=y, step=MEETING), ALICE)
        self.record(Noted(year=y, body="JCM", decision="noted"))
        self.record(Noted(year=y, body="ACC", decision="endorsed"))
        return self.record(StepCompleted(year=y, step=MEETING))

    def closes(self) -> datetime:
        self.record(StepCompleted(year=self.year, step=SUMMIT))
        return self.record(CycleCompleted(year=self.year))

    def all_of_it(self) -> None:
        for stage in (self.opens, self.reminds, self.extends, self.escalates,
                      self.th_nominates_late, self.approves, self.completes_nominations,
                      self.holds_the_meeting, self.closes):  # fmt: skip
            stage()

    @property
    def deadline(self) -> datetime:
        return DEADLINE.replace(year=self.year)

    @property
    def extended(self) -> datetime:
        return EXTENDED.replace(year=self.year)

    def nominate(self, code: str) -> NominationsSubmitted:
        nr = Person(name=f"NR of {code}", email=f"nr.{code.lower()}@example.org")
        city = CityNomination(
            city=f"Capital of {code}", capital=True,
            csco=Person(name=f"CSCO {code}", email=f"csco.{code.lower()}@example.org"),
        )  # fmt: skip
        return NominationsSubmitted(
            year=self.year, member_state=code, national_representative=nr, cities=(city,)
        )


@pytest.fixture
def store(engine: Engine) -> EventStore:
    return EventStore(engine)


@pytest.fixture
def cycle(store: EventStore) -> Cycle:
    return Cycle(store)


def view(engine: Engine, year: int = 2018) -> CycleView:
    ProjectionRunner(engine, CycleProjection()).catch_up()
    found = cycle_view(engine, year)
    assert found is not None, f"no view of {year}"
    return found


def step(found: CycleView, name: str) -> StepView:
    return next(s for s in found.steps if s.step == name)


def overdue(engine: Engine, year: int = 2018) -> dict[str, tuple[str, datetime]]:
    ProjectionRunner(engine, CycleProjection()).catch_up()
    return {item.party: (item.rung, item.since) for item in overdue_items(engine, year)}


def test_opening_a_cycle_shows_it_open_on_its_first_step(engine: Engine, cycle: Cycle) -> None:
    cycle.opens()
    opened_at = cycle.times[0]

    found = view(engine)

    assert (found.year, found.chair, found.shepherd, found.template) == (
        2018, "SG", "MY", "standard",
    )  # fmt: skip
    assert (found.state, found.current_step) == ("open", NOMINATIONS)
    assert (found.opened_at, found.completed_at) == (opened_at, None)
    assert [(s.step, s.state, s.deadline) for s in found.steps] == [(NOMINATIONS, "open", DEADLINE)]
    assert step(found, NOMINATIONS).opened_at == cycle.times[1]
    assert found.overdue == ()


def test_reminders_are_counted_on_their_step(engine: Engine, cycle: Cycle) -> None:
    cycle.opens()
    cycle.reminds()

    assert step(view(engine), NOMINATIONS).reminders_sent == 2


def test_an_extension_moves_the_deadline_and_is_counted(engine: Engine, cycle: Cycle) -> None:
    cycle.opens()
    cycle.extends()

    nominations = step(view(engine), NOMINATIONS)

    assert (nominations.deadline, nominations.extensions) == (EXTENDED, 1)


def test_an_escalation_makes_each_outstanding_party_overdue_since_the_first(
    engine: Engine, cycle: Cycle
) -> None:
    cycle.opens()
    first, _ = cycle.escalates()

    found = view(engine)

    assert overdue(engine) == {"nr:TH": ("D+7", first), "nr:VN": ("D+7", first)}
    assert {(item.year, item.step) for item in found.overdue} == {(2018, NOMINATIONS)}
    assert step(found, NOMINATIONS).escalations == ("D+1", "D+7")


def test_a_late_nomination_clears_only_its_member_state(engine: Engine, cycle: Cycle) -> None:
    cycle.opens()
    cycle.escalates()
    cycle.th_nominates_late()

    assert set(overdue(engine)) == {"nr:VN"}


def test_a_nil_return_clears_its_member_state_too(engine: Engine, cycle: Cycle) -> None:
    cycle.opens()
    cycle.escalates()
    cycle.record(NilReturnDeclared(year=2018, member_state="VN", carried_forward_from=2017))

    assert set(overdue(engine)) == {"nr:TH"}


def test_approval_clears_the_steps_overdue_parties_and_names_the_approver(
    engine: Engine, cycle: Cycle
) -> None:
    cycle.opens()
    cycle.escalates()
    cycle.approves()

    nominations = step(view(engine), NOMINATIONS)

    assert overdue(engine) == {}
    assert (nominations.state, nominations.approved_by) == ("approved", "chair_team:SG/alice")


def test_completion_keeps_what_was_still_outstanding_for_the_jcm_report(
    engine: Engine, cycle: Cycle
) -> None:
    cycle.opens()
    cycle.escalates()
    cycle.approves()
    completed_at = cycle.completes_nominations()

    found = view(engine)
    nominations = step(found, NOMINATIONS)

    assert (nominations.state, nominations.settled_by) == ("completed", "approved")
    assert (nominations.completed_at, nominations.outstanding) == (completed_at, ("nr:VN",))
    assert found.current_step is None


def test_completion_clears_overdue_parties_of_a_step_never_approved(
    engine: Engine, cycle: Cycle
) -> None:
    cycle.opens()
    cycle.escalates()
    cycle.record(StepCompleted(year=2018, step=NOMINATIONS, outstanding=("nr:TH", "nr:VN")))

    nominations = step(view(engine), NOMINATIONS)

    assert overdue(engine) == {}
    assert (nominations.settled_by, nominations.outstanding) == (None, ("nr:TH", "nr:VN"))


def test_noted_goes_on_the_step_being_completed(engine: Engine, cycle: Cycle) -> None:
    cycle.opens()
    cycle.approves()
    cycle.completes_nominations()
    cycle.holds_the_meeting()

    found = view(engine)

    assert step(found, MEETING).noted == ("noted by JCM", "endorsed by ACC")
    assert step(found, NOMINATIONS).noted == ()


def test_a_step_waived_before_it_opened_completes_as_waived(engine: Engine, cycle: Cycle) -> None:
    cycle.opens()
    cycle.record(StepWaived(year=2018, step=SUMMIT, reason="no summit session"), ALICE)
    assert step(view(engine), SUMMIT).state == "waived"

    cycle.record(StepCompleted(year=2018, step=SUMMIT))
    summit = step(view(engine), SUMMIT)

    assert (summit.state, summit.settled_by, summit.opened_at) == ("completed", "waived", None)


def test_a_step_extended_and_approved_before_it_opens_keeps_both_once_open(
    engine: Engine, cycle: Cycle
) -> None:
    cycle.opens()
    later = cycle.extended + timedelta(days=30)
    cycle.record(
        DeadlineExtended(year=2018, step=MEETING, previous_deadline=cycle.extended,
                         new_deadline=later, reason="venue"),
        ALICE,
    )  # fmt: skip
    assert (step(view(engine), MEETING).state, step(view(engine), MEETING).deadline) == (
        "pending", later,
    )  # fmt: skip
    cycle.record(StepApproved(year=2018, step=MEETING), ALICE)

    opened_at = cycle.record(StepOpened(year=2018, step=MEETING, deadline=later))
    meeting = step(view(engine), MEETING)

    assert (meeting.state, meeting.approved_by) == ("approved", "chair_team:SG/alice")
    assert (meeting.opened_at, meeting.extensions) == (opened_at, 1)
    assert view(engine).current_step == MEETING


def test_the_whole_cycle_lists_its_steps_in_opening_order_and_completes(
    engine: Engine, store: EventStore, cycle: Cycle
) -> None:
    cycle.all_of_it()

    found = view(engine)

    assert [(s.step, s.state, s.settled_by) for s in found.steps] == [
        (NOMINATIONS, "completed", "approved"),
        (SUMMIT, "completed", "waived"),
        (MEETING, "completed", "approved"),
    ]
    assert (found.state, found.current_step, found.completed_at) == (
        "completed", None, cycle.times[-1],
    )  # fmt: skip
    assert found.overdue == ()
    assert found.position == store.last_position()


def test_catch_up_is_exactly_once_across_a_restart(
    engine: Engine, store: EventStore, cycle: Cycle
) -> None:
    cycle.opens()
    cycle.reminds()
    first = ProjectionRunner(engine, CycleProjection())
    assert first.catch_up() == len(cycle.times)
    cycle.extends()
    cycle.escalates()

    restarted = ProjectionRunner(engine, CycleProjection())
    assert restarted.catch_up() == 3
    assert ProjectionRunner(engine, CycleProjection()).catch_up() == 0

    found = cycle_view(engine, 2018)
    assert found is not None
    nominations = step(found, NOMINATIONS)
    assert (nominations.reminders_sent, nominations.extensions) == (2, 1)
    assert nominations.escalations == ("D+1", "D+7")
    assert restarted.checkpoint() == store.last_position()


def test_two_years_side_by_side_do_not_mix(engine: Engine, store: EventStore) -> None:
    earlier, later = Cycle(store, 2018), Cycle(store, 2019)
    earlier.opens()
    later.opens()
    earlier.escalates()
    later.reminds()
    later.escalates()
    later.th_nominates_late()
    assert set(overdue(engine, 2018)) == {"nr:TH", "nr:VN"}
    later.approves()

    first, second = view(engine, 2018), view(engine, 2019)

    assert step(first, NOMINATIONS).reminders_sent == 0
    assert step(second, NOMINATIONS).reminders_sent == 2
    assert (step(first, NOMINATIONS).state, step(second, NOMINATIONS).state) == ("open", "approved")
    assert set(overdue(engine, 2018)) == {"nr:TH", "nr:VN"}
    assert overdue(engine, 2019) == {}
    assert step(second, NOMINATIONS).deadline == DEADLINE.replace(year=2019)
    assert [(c.year, c.current_step) for c in list_cycles(engine)] == [
        (2018, NOMINATIONS), (2019, NOMINATIONS),
    ]  # fmt: skip


def test_a_year_without_a_cycle_has_no_view(engine: Engine, cycle: Cycle) -> None:
    cycle.opens()

    assert view(engine).year == 2018
    assert cycle_view(engine, 2019) is None
    assert overdue_items(engine, 2019) == []


def test_catch_up_all_brings_nominations_and_cycles_up_to_date(
    engine: Engine, cycle: Cycle
) -> None:
    cycle.opens()
    cycle.reminds()

    assert [p.name for p in all_projections()] == ["nominations", "cycles", "outbox", "records"]
    assert catch_up_all(engine) == 4 * len(cycle.times)
    assert catch_up_all(engine) == 0
    assert [n.member_state for n in accepted_nominations(engine, 2018)] == ["MY"]
    assert step(cycle_view(engine, 2018) or pytest.fail("no view"), NOMINATIONS).reminders_sent == 2


@contextmanager
def selects(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def plan(conn: Connection, statement: str, parameters: Any) -> str:
    if is_postgresql(conn):
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return "\n".join(str(row[0]) for row in rows)
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return "\n".join(str(row[-1]) for row in rows)


def test_the_queries_read_only_read_model_tables_through_their_keys(
    engine: Engine, store: EventStore
) -> None:
    for year in (2018, 2019):
        Cycle(store, year).all_of_it()
    ProjectionRunner(engine, CycleProjection()).catch_up()

    with selects(engine) as seen:
        cycle_view(engine, 2018)
        overdue_items(engine, 2018)

    tables = {t for statement, _ in seen for t in re.findall(r"FROM\s+\"?(\w+)", statement)}
    assert tables == {"rm_cycles", "rm_steps", "rm_overdue"}
    with engine.connect() as conn, conn.begin():
        plans = [plan(conn, statement, parameters) for statement, parameters in seen]
    for found in plans:
        assert "Seq Scan" not in found, found
        assert not re.search(r"^SCAN", found, re.MULTILINE), found
