"""The chain's use cases refuse before they reach a cycle: who may not, a deadline no
cycle of the year allows, and a progress review while a project is unassessed (asked of
``CycleDeps.unassessed_projects``, here a fake)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from domain.actors import Actor
from domain.deadlines import ExtensionRefused
from domain.errors import NotAuthorised
from domain.events import DomainEvent
from domain.monitoring import assess
from domain.plans import submit_plan
from domain.records import RecordsState, stream_of
from domain.reference import ReferenceData
from eventstore.codec import to_new_event
from eventstore.engine import create_store_engine
from eventstore.records import NewEvent
from eventstore.schema import metadata
from eventstore.store import EventStore
from services import cycles
from services.commands import (
    DecideCity,
    ProposeCity,
    RecordDecision,
    SubmitProgressReview,
    SubmitReport,
)
from services.errors import Refused
from tests.api.conftest import FakeGateway, fake_cycles
from tests.records.builders import SIEM_REAP, assessment, plan, project

YEAR = 2027  # Chair SG, shepherd ID
CHAIR_TEAM = Actor.chair_team("SG", "sg-chair-team")
ASEC = Actor(id="imd", role="asec")
DECISION = {"year": YEAR, "step": "acc", "body": "ACC", "decision": "noted",
            "decided_on": date(2027, 11, 3), "meeting": "41st ACC",
            "concerning": "ASCN annual report 2027, v1"}  # fmt: skip


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def deps(api_engine: Engine, gateway: FakeGateway) -> cycles.CycleDeps:
    return fake_cycles(api_engine, gateway)


NOT_ALLOWED: list[tuple[Any, Any, Actor, str]] = [
    (cycles.record_decision, RecordDecision.model_validate(DECISION), Actor.nr("SG", "nr-sg"),
     "only the Chair's team of that year's Chair (chair_team:SG) or ASEC may"),
    (cycles.record_decision, RecordDecision.model_validate(DECISION),
     Actor.chair_team("PH", "ph"), "chair_team:PH/ph may not record a body's decision"),
    (cycles.submit_report, SubmitReport(year=YEAR), Actor.nr("MY", "nr-my"),
     "only the Chair of the ASCN (nr:SG) and the shepherd (shepherd:ID)"),
    (cycles.submit_report, SubmitReport(year=YEAR), Actor.shepherd("SG", "sg"),
     "shepherd:SG/sg may not submit the report to the JCM"),
    (cycles.submit_progress_review, SubmitProgressReview(year=YEAR), CHAIR_TEAM,
     "only ASEC may"),
    (cycles.propose_city, ProposeCity(year=YEAR, member_state="TL", city="Baucau"),
     Actor.nr("SG", "nr-sg"), "only the NR of TL (nr:TL) may"),
    (cycles.decide_city,
     DecideCity(year=YEAR, member_state="TL", city="Baucau", decision="accepted"),
     Actor.chair_team("PH", "ph"), "only the Chair's team of that year's Chair (chair_team:SG)"),
]  # fmt: skip


@pytest.mark.parametrize(("use_case", "command", "actor", "expected"), NOT_ALLOWED)
async def test_who_may_not_is_refused_before_the_cycle(
    deps: cycles.CycleDeps, gateway: FakeGateway, use_case: Any, command: Any, actor: Actor,
    expected: str,
) -> None:  # fmt: skip
    with pytest.raises(NotAuthorised) as raised:
        await use_case(command, actor, deps)
    assert expected in str(raised.value)
    assert gateway.calls == []


async def test_a_reopening_deadline_no_cycle_of_the_year_allows_is_refused(
    deps: cycles.CycleDeps, gateway: FakeGateway
) -> None:
    command = RecordDecision.model_validate(
        {**DECISION, "decision": "deferred", "new_deadline": date(2031, 1, 1)}
    )
    with pytest.raises(ExtensionRefused, match="beyond the latest one a 2027 cycle allows"):
        await cycles.record_decision(command, CHAIR_TEAM, deps)
    assert gateway.calls == []


async def test_the_progress_review_is_refused_while_a_project_is_unassessed(
    deps: cycles.CycleDeps, gateway: FakeGateway
) -> None:
    asked: list[int] = []

    def two_unassessed(year: int) -> list[str]:
        asked.append(year)
        return ["SG-2018-P1", "TL-2026-P3"]

    with_projects = dataclasses.replace(deps, unassessed_projects=two_unassessed)
    with pytest.raises(Refused) as raised:
        await cycles.submit_progress_review(SubmitProgressReview(year=YEAR), ASEC, with_projects)
    assert raised.value.message == (
        "progress_review: 2 active project(s) of 2027 have neither an assessment nor a "
        "recorded reason why not: SG-2018-P1, TL-2026-P3"
    )
    assert asked == [YEAR]
    assert gateway.calls == []


async def test_the_progress_review_goes_to_the_cycle_once_every_project_is_accounted_for(
    deps: cycles.CycleDeps, gateway: FakeGateway
) -> None:
    assert deps.unassessed(YEAR) == []  # no action plan on record: nothing to assess
    outcome = await cycles.submit_progress_review(SubmitProgressReview(year=YEAR), ASEC, deps)
    assert outcome.recorded == ("submit_progress_review-recorded",)
    ((call),) = gateway.calls
    assert (call.method, call.actor) == ("submit_progress_review", ASEC)


async def test_a_membership_change_is_told_to_the_cycles_of_the_years_beside(
    deps: cycles.CycleDeps, gateway: FakeGateway
) -> None:
    command = ProposeCity(year=YEAR, member_state="TL", city="Baucau")
    await cycles.propose_city(command, Actor.nr("TL", "nr-tl"), deps)
    ((call),) = gateway.calls
    assert (call.method, call.year) == ("propose_city", YEAR)
    assert gateway.told == [(YEAR - 1, 0), (YEAR + 1, 0)]  # this store holds no change yet


async def test_the_progress_review_asks_the_store_which_projects_are_unassessed(
    tmp_path: Path, gateway: FakeGateway
) -> None:
    """Wired as deployed (no fake): the service reads each city's plan stream and the
    year's monitoring stream, and refuses while an active project has neither."""
    engine = create_store_engine(f"sqlite:///{tmp_path / 'review.db'}")
    metadata.create_all(engine)
    store = EventStore(engine)
    deps = fake_cycles(engine, gateway)
    reference = ReferenceData.load()
    csco = Actor(id="csco", role=f"csco:{SIEM_REAP}")
    siem_reap = plan(SIEM_REAP, project(), start=2018, end=2030)
    facts = submit_plan(RecordsState().plan, siem_reap, reference)
    store.append(stream_of(siem_reap), [_new(f, csco) for f in facts], expected_version=0)

    with pytest.raises(Refused) as raised:
        await cycles.submit_progress_review(SubmitProgressReview(year=YEAR), ASEC, deps)
    assert raised.value.message.endswith(f"why not: {SIEM_REAP}/smart-traffic")
    assert gateway.calls == []

    assessed = assess(RecordsState().monitoring, assessment(year=YEAR), None)
    store.append(f"monitoring-{YEAR}", [_new(f, ASEC) for f in assessed], expected_version=0)
    outcome = await cycles.submit_progress_review(SubmitProgressReview(year=YEAR), ASEC, deps)
    assert outcome.recorded == ("submit_progress_review-recorded",)
    engine.dispose()


def _new(fact: DomainEvent, actor: Actor) -> NewEvent:
    return to_new_event(fact, event_id=uuid.uuid4(), occurred_at=datetime(2027, 5, 2, tzinfo=UTC),
                        actor=actor)  # fmt: skip
