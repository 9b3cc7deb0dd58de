"""The chain's use cases refuse before they reach a cycle: who may not, a deadline no
cycle of the year allows, and a progress review while a project is unassessed (asked of
``CycleDeps.unassessed_projects``, here a fake)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from domain.actors import Actor
from domain.deadlines import ExtensionRefused
from domain.errors import NotAuthorised
from services import cycles
from services.commands import (
    DecideCity,
    ProposeCity,
    RecordDecision,
    SubmitProgressReview,
    SubmitReport,
)
from services.errors import Refused
from services.monitoring import not_wired_yet
from tests.api.conftest import FakeGateway, fake_cycles

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
    assert deps.unassessed_projects is not_wired_yet  # the integration point, until wired
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
