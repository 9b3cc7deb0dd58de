"""The chain in the read models: the JCM submission shows whom it waits for, a body's
decision is noted on its step, and a reopened step is open again with its escalations
starting over. (On SQLite and PostgreSQL, as every store test.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from domain.actors import Actor
from domain.events import (
    BodyDecisionRecorded,
    ReportSubmitted,
    StepEscalated,
    StepOpened,
    StepReopened,
)
from eventstore.readmodels.chain import chain_view
from eventstore.store import EventStore
from tests.store.test_planned_steps import YEAR, opened_in_november, record, the_plan, view

OCTOBER = datetime(2027, 10, 1, 3, 0, tzinfo=UTC)
CHAIR_TEAM = Actor(id="alice", role="chair_team:SG")


def test_the_jcm_submission_shows_whom_it_waits_for(engine: Engine) -> None:
    plan = the_plan()  # 2027: Chair SG, shepherd ID
    opened_in_november(engine, plan)
    jcm = plan.step("jcm_submission")
    record(engine, StepOpened(year=YEAR, step=jcm.step, deadline=jcm.deadline), OCTOBER)

    opened = next(s for s in view(engine).steps if s.step == "jcm_submission")
    assert opened.outstanding == ("nr:SG", "shepherd:ID")
    assert opened.waiting_for == "waiting for the Chair of the ASCN and the shepherd"

    record(engine, ReportSubmitted(year=YEAR, step=jcm.step, submitter="chair_of_ascn"),
           OCTOBER + timedelta(days=1), Actor.nr("SG", "nr-sg"))  # fmt: skip
    after = next(s for s in view(engine).steps if s.step == "jcm_submission")
    assert (after.outstanding, after.waiting_for) == (("shepherd:ID",), "waiting for the shepherd")
    assert after.noted == ("report submitted by nr:SG",)


def test_a_decision_is_noted_and_a_deferral_reopens_the_step(engine: Engine) -> None:
    plan = the_plan()
    opened_in_november(engine, plan)
    acc = plan.step("acc")
    record(engine, StepOpened(year=YEAR, step=acc.step, deadline=acc.deadline), OCTOBER)
    late = acc.deadline + timedelta(hours=1)
    escalated = StepEscalated(year=YEAR, step=acc.step, rung="deadline",
                              escalated_to="shepherd:ID", outstanding=("asec",))  # fmt: skip
    record(engine, escalated, late)
    new_deadline = acc.deadline + timedelta(days=20)
    record(engine, BodyDecisionRecorded(
        year=YEAR, step=acc.step, body="ACC", decision="deferred",
        decided_on=date(2027, 11, 11), meeting="41st ACC", concerning="ASCN report 2027, v1",
        reference_version=3,
    ), late + timedelta(days=1), CHAIR_TEAM)  # fmt: skip
    record(engine, StepReopened(year=YEAR, step=acc.step, body="ACC", decision="deferred",
                                previous_deadline=acc.deadline, new_deadline=new_deadline),
           late + timedelta(days=1), CHAIR_TEAM)  # fmt: skip

    shown = view(engine)
    step = next(s for s in shown.steps if s.step == "acc")
    assert (step.state, step.deadline, step.escalations) == ("open", new_deadline, ())
    assert step.noted == (
        "deferred by ACC at the 41st ACC on 2027-11-11",
        f"reopened: deferred by ACC, due {new_deadline.date().isoformat()}",
    )
    assert shown.overdue == ()
    (decided,) = chain_view(EventStore(engine), YEAR).decisions
    assert (decided.body, decided.decision, decided.reopened_until) == (
        "ACC",
        "deferred",
        new_deadline,
    )
    assert (decided.recorded_by, decided.reference_version) == ("chair_team:SG/alice", 3)
