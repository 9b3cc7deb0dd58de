"""Every refusal of the records services, through the workflows on the time-skipping
server: each names what is wrong, and nothing is recorded. What needs no stream (the
access policy, focus areas, membership, kinds) is refused by the services at once; what
needs the stream or another one (versions, the partner list, the plans) by the
workflow's validator or its activity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.errors import DomainError
from domain.partners import Launch, NewPartner, RecordMeetingOutcome, RecordTwinningException
from domain.reference import ReferenceData
from eventstore.store import EventStore
from services import records
from services.errors import Refused
from services.records import RecordOutcome, RecordsDeps, TemporalRecordsGateway
from services.sealing import Sealer
from tests.records.builders import SIEM_REAP, assessment, not_assessed, pair, partner, plan, project
from tests.sealing import SEAL_KEYS

CSCO = Actor(id="csco", role=f"csco:{SIEM_REAP}")
NR_MY = Actor.nr("MY", "aziz")
ASEC = Actor(id="imd", role="asec")
SG = Actor.chair_team("SG", "team")  # Singapore chaired 2018
TH = Actor.chair_team("TH", "team")  # Thailand chaired 2019
Call = Callable[[RecordsDeps], Awaitable[RecordOutcome]]


def submit(*args: Any, actor: Actor = CSCO, **kwargs: Any) -> Call:
    return lambda deps: records.submit_plan(plan(*args, **kwargs), actor, deps)


def add(actor: Actor = SG, **kwargs: Any) -> Call:
    return lambda deps: records.add_partner(partner(**kwargs), actor, deps)


def twin(actor: Actor = SG, **kwargs: Any) -> Call:
    return lambda deps: records.pair_city(pair(**kwargs), actor, deps)


def exception(exception_id: str = "second") -> Call:
    command = RecordTwinningException(year=2018, city_id=SIEM_REAP, exception_id=exception_id,
                                      reason="a port project with a second partner")  # fmt: skip
    return lambda deps: records.record_twinning_exception(command, SG, deps)


def assess(actor: Actor = ASEC, **kwargs: Any) -> Call:
    return lambda deps: records.assess_project(assessment(**kwargs), actor, deps)


def explain() -> Call:
    return lambda deps: records.explain_not_assessed(not_assessed(), ASEC, deps)


def launch(partner_id: str = "jica") -> Call:
    outcome = RecordMeetingOutcome(
        year=2018,
        launches=(Launch(city_id=SIEM_REAP, project_id="smart-traffic", title="Smart traffic",
                         partner_id=partner_id),),
    )  # fmt: skip
    return lambda deps: records.record_meeting_outcome(outcome, SG, deps)


def meeting_partner(partner_id: str, name: str) -> Call:
    outcome = RecordMeetingOutcome(
        year=2018, partners=(NewPartner(partner_id=partner_id, name=name, kind="government"),)
    )
    return lambda deps: records.record_meeting_outcome(outcome, SG, deps)


@dataclass
class Case:
    name: str
    refused: Call
    match: str
    before: list[Call] = field(default_factory=list)


CASES = [
    Case("unknown focus area", submit(SIEM_REAP, project(focus_areas=("space_travel",))),
         "unknown focus area 'space_travel'"),
    Case("not a member city that year", submit(SIEM_REAP, project(), start=2017, end=2025),
         "not a member city in 2017"),
    Case("duplicate project id", submit(SIEM_REAP, project(), project()),
         "project id 'smart-traffic' appears twice"),
    Case("a plan of another AMS's city", submit(actor=NR_MY), "may not submit an action plan"),
    Case("a revision that changes nothing", submit(), "same as its version 1", [submit()]),
    Case("an assessment by the Chair's team", assess(actor=SG), "only ASEC"),
    Case("an assessment of an unknown project", assess(project_id="no-such"),
         "unknown project KH-siem-reap/no-such", [submit()]),
    Case("an assessment of a city with no plan", assess(), "KH-siem-reap has no plan"),
    Case("a reason after an assessment", explain(), "already assessed", [submit(), assess()]),
    Case("an unknown partner kind", add(kind="charity"), "unknown kind 'charity'"),
    Case("a partner added twice", add(name="Another"), "already on the list", [add()]),
    Case("a partner by another year's Chair", add(actor=TH), "chair_team:SG"),
    Case("a meeting's partner already listed", meeting_partner("jica2", "Japan International "
         "Cooperation Agency"), "already on the list as jica", [add()]),
    Case("a pair with an unknown partner", twin(), "unknown partner 'jica'"),
    Case("an overlapping pair", twin(partner_id="adb", starts=date(2018, 12, 1)),
         "one partner at a time",
         [add(), add(partner_id="adb", name="Asian Development Bank",
                     kind="financial_institution"), twin()]),
    Case("a pair naming no recorded exception", twin(exception_id="none"),
         "no exception 'none'", [add()]),
    Case("an exception recorded twice", exception(), "already recorded", [exception()]),
    Case("a launch with an unknown partner", launch("nobody"), "unknown partner 'nobody'"),
    Case("a launch recorded twice", launch(), "already recorded as launched",
         [add(), launch()]),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_refused_and_nothing_recorded(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, task_queue: str, case: Case
) -> None:
    async def deps() -> RecordsDeps:
        now = await env.get_current_time()
        return RecordsDeps(gateway=TemporalRecordsGateway(env.client, task_queue),
                           sealer=Sealer(SEAL_KEYS, lambda: now),
                           reference=ReferenceData.load())  # fmt: skip

    for step in case.before:
        await step(await deps())
    head = store.last_position()
    with pytest.raises((Refused, DomainError), match=case.match):
        await case.refused(await deps())
    assert store.last_position() == head
