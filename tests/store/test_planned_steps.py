"""The whole plan shows from the day a cycle opens, and `outstanding` follows who owes.

A 2027 cycle started in November 2026: nothing opens before 15 January, yet the
status lists all six steps, in plan order, each with the day it opens.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

from rich.console import Console
from sqlalchemy import Engine

from ascn.operate import print_status
from ascn.projections import catch_up_all
from domain.actors import Actor
from domain.calendar import CyclePlan
from domain.events import (
    CycleOpened,
    DomainEvent,
    NilReturnDeclared,
    StepApproved,
    StepEscalated,
    StepOpened,
)
from domain.planning import plan_cycle, planned
from domain.reference import ReferenceData
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_new_event
from eventstore.readmodels.cycles import CycleView, cycle_view
from eventstore.store import EventStore

YEAR = 2027
NOVEMBER = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
SYSTEM = Actor(id="ascn-engine", role="system")
CHAIR_TEAM = Actor(id="alice", role="chair_team:SG")


def the_plan() -> CyclePlan:
    return plan_cycle(ReferenceData.load(), YEAR, "recurring")


def record(engine: Engine, fact: DomainEvent, at: datetime, actor: Actor = SYSTEM) -> None:
    stream = (
        nominations_stream(fact.member_state)
        if isinstance(fact, NilReturnDeclared)
        else cycle_stream(YEAR)
    )
    new = to_new_event(fact, event_id=uuid.uuid4(), occurred_at=at, actor=actor)
    EventStore(engine).append(stream, [new], expected_version=None)


def opened_in_november(engine: Engine, plan: CyclePlan) -> None:
    """What the workflow records as it opens: the cycle, then its plan."""
    record(engine, CycleOpened(year=YEAR, chair=plan.chair, shepherd=plan.shepherd,
                               template=plan.template), NOVEMBER)  # fmt: skip
    record(engine, planned(plan), NOVEMBER)


def view(engine: Engine) -> CycleView:
    catch_up_all(engine)
    found = cycle_view(engine, YEAR)
    assert found is not None
    return found


def test_every_step_of_the_plan_shows_pending_in_plan_order_before_it_opens(
    engine: Engine,
) -> None:
    plan = the_plan()
    opened_in_november(engine, plan)

    shown = view(engine)

    assert [s.step for s in shown.steps] == [s.step for s in plan.steps]
    assert len(shown.steps) == 8  # with ASEC's progress_review and report_draft
    assert {s.state for s in shown.steps} == {"pending"}
    assert [s.opens_at for s in shown.steps] == [s.opens_at for s in plan.steps]
    assert [s.deadline for s in shown.steps] == [s.deadline for s in plan.steps]
    assert [s.title for s in shown.steps] == [s.title for s in plan.steps]
    assert shown.zone == plan.zone
    nominations = shown.steps[0]
    assert nominations.owed_by == "member_states"
    assert nominations.outstanding == tuple(f"nr:{code}" for code in plan.member_states)
    assert shown.current_step is None


def test_a_step_that_opens_keeps_its_place_in_the_plan(engine: Engine) -> None:
    plan = the_plan()
    opened_in_november(engine, plan)
    first = plan.steps[0]
    record(engine, StepOpened(year=YEAR, step=first.step, deadline=first.deadline),
           first.opens_at)  # fmt: skip

    shown = view(engine)

    assert [s.step for s in shown.steps] == [s.step for s in plan.steps]
    assert [s.state for s in shown.steps] == ["open"] + ["pending"] * 7
    assert shown.current_step == first.step


def test_outstanding_lists_who_owes_while_the_step_is_open(engine: Engine) -> None:
    """Eleven NRs escalated: the status's outstanding column names all eleven, not no one."""
    plan = the_plan()
    first = plan.steps[0]
    record(engine, CycleOpened(year=YEAR, chair=plan.chair, shepherd=plan.shepherd,
                               template=plan.template), NOVEMBER)  # fmt: skip
    record(engine, StepOpened(year=YEAR, step=first.step, deadline=first.deadline),
           first.opens_at)  # fmt: skip
    late = tuple(f"nr:{code}" for code in plan.member_states)
    assert len(late) == 11
    after = first.deadline + timedelta(seconds=1)
    record(engine, StepEscalated(year=YEAR, step=first.step, rung="deadline",
                                 escalated_to="shepherd:ID", outstanding=late), after)  # fmt: skip

    escalated = view(engine)
    record(engine, NilReturnDeclared(year=YEAR, member_state="MY", carried_forward_from=2026),
           after + timedelta(hours=1), Actor.nr("MY", "aziz"))  # fmt: skip
    one_returned = view(engine)
    record(engine, StepApproved(year=YEAR, step=first.step), after + timedelta(hours=2),
           CHAIR_TEAM)  # fmt: skip
    approved = view(engine)

    assert escalated.steps[0].outstanding == late
    assert len(escalated.overdue) == 11
    assert one_returned.steps[0].outstanding == tuple(p for p in late if p != "nr:MY")
    assert approved.steps[0].outstanding == ()


def test_ascn_status_shows_the_plan_with_the_day_each_step_opens(
    engine: Engine, database_url: str
) -> None:
    plan = the_plan()
    opened_in_november(engine, plan)
    catch_up_all(engine)

    printed = Console(record=True, width=240)
    print_status(printed, view(engine))
    by_cli = subprocess.run(
        [sys.executable, "-m", "ascn", "status", "--year", str(YEAR), "--db", database_url],
        env={**os.environ, "COLUMNS": "240"}, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip

    assert by_cli.returncode == 0, by_cli.stderr
    for text in (printed.export_text(), by_cli.stdout):
        assert "opens on" in text
        lines = [line for line in text.splitlines() if "pending" in line]
        assert len(lines) == 8
        for line, step in zip(lines, plan.steps, strict=True):
            assert step.step in line
            assert step.opens_at.strftime("%a %d %b %Y") in line  # the plan's own day
            assert step.deadline.strftime("%a %d %b %Y") in line


def test_ascn_status_in_80_columns_gives_each_step_whole(engine: Engine) -> None:
    """A table of eight columns in 80 would cut every step's name and state short
    ("nomina…", "approv…"): narrower than the table needs, each step is a paragraph."""
    plan = the_plan()
    opened_in_november(engine, plan)
    catch_up_all(engine)

    printed = Console(record=True, width=80)
    print_status(printed, view(engine))
    text = printed.export_text()

    assert "…" not in text
    joined = " ".join(text.split())
    for step in plan.steps:
        assert f"{step.step}: state " in joined
        assert f"opens on {step.opens_at.strftime('%a %d %b %Y')}" in joined
        assert f"deadline {step.deadline.strftime('%a %d %b %Y')}" in joined
