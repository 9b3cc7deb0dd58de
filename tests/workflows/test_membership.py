"""Candidature cities in a running cycle: an NR proposes, the Chair's team accepts, and
the city can be nominated at once; the decision records the reference data's version."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.calendar import CyclePlan
from domain.events import CityDecided, CityProposed
from domain.membership import MEMBERSHIP_STREAM
from domain.streams import nominations_stream
from eventstore.codec import to_new_event
from eventstore.store import EventStore
from tests.workflows.plans import DAY, cycle_input, nominate, step
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import (
    CycleStatus,
    DecideCityUpdate,
    MembershipChanged,
    ProposeCityUpdate,
)

Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
YEAR = 2027
CHAIR_TEAM = Actor.chair_team("SG", "sg-chair-team")
NR_TL = Actor.nr("TL", "nr-tl")


async def start(env: WorkflowEnvironment, worker: Worker) -> Handle:
    now: datetime = await env.get_current_time()
    plan = CyclePlan(
        year=YEAR, template="test", zone="Asia/Dili", chair="SG", shepherd="ID",
        member_states=("SG", "TL"),
        steps=(step("nomination_deadline", "member_states", now + DAY, now + 20 * DAY),),
    )  # fmt: skip
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(plan), id=workflow_id(YEAR), task_queue=worker.task_queue
    )
    await env.sleep(2 * DAY)
    return handle


async def refused(handle: Handle, call: object, update: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(call, update)  # type: ignore[call-overload]
    return str(raised.value.cause)


async def test_an_accepted_candidature_city_can_be_nominated_in_the_running_cycle(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    baucau = nominate("TL", "Dili", "Baucau", by=NR_TL)
    assert "unknown city 'Baucau'" in await refused(handle, CycleWorkflow.submit_nominations,
                                                    baucau)  # fmt: skip

    await handle.execute_update(
        CycleWorkflow.propose_city, ProposeCityUpdate(actor=NR_TL, member_state="TL", city="Baucau")
    )
    # Proposed is not yet a member city.
    assert "unknown city 'Baucau'" in await refused(handle, CycleWorkflow.submit_nominations,
                                                    baucau)  # fmt: skip
    await handle.execute_update(
        CycleWorkflow.decide_city,
        DecideCityUpdate(actor=CHAIR_TEAM, member_state="TL", city="baucau", decision="accepted"),
    )
    await handle.execute_update(CycleWorkflow.submit_nominations, baucau)

    status = await handle.query(CycleWorkflow.status)
    assert status.reference_version == 2
    (submitted,) = [e for e in store.read_stream(nominations_stream("TL"))
                    if e.type == "NominationsSubmitted"]  # fmt: skip
    assert [c["city"] for c in submitted.data["cities"]] == ["Dili", "Baucau"]
    assert submitted.data["reference_version"] == 2
    assert [e.type for e in store.read_stream(MEMBERSHIP_STREAM)] == ["CityProposed",
                                                                       "CityDecided"]  # fmt: skip


async def test_membership_changes_are_refused_naming_the_field(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    cases = [
        (CycleWorkflow.propose_city,
         ProposeCityUpdate(actor=NR_TL, member_state="TL", city="Dili"),
         "city: Dili is already a city of TL"),
        (CycleWorkflow.propose_city,
         ProposeCityUpdate(actor=NR_TL, member_state="TL", city="Baucau", capital=True),
         "capital: TL's capital is Dili, not Baucau"),
        (CycleWorkflow.propose_city,
         ProposeCityUpdate(actor=Actor.nr("SG", "nr-sg"), member_state="TL", city="Baucau"),
         "only the NR of TL"),
        (CycleWorkflow.decide_city,
         DecideCityUpdate(actor=CHAIR_TEAM, member_state="TL", city="Baucau",
                          decision="accepted"),
         "city: Baucau of TL is not a proposed candidature city"),
    ]  # fmt: skip
    for call, update, expected in cases:
        assert expected in await refused(handle, call, update), expected
    await handle.execute_update(
        CycleWorkflow.propose_city, ProposeCityUpdate(actor=NR_TL, member_state="TL", city="Baucau")
    )
    declined = DecideCityUpdate(actor=CHAIR_TEAM, member_state="TL", city="Baucau",
                                decision="declined")  # fmt: skip
    assert "reason: declining" in await refused(handle, CycleWorkflow.decide_city, declined)
    not_chair = declined.model_copy(update={"actor": Actor.chair_team("PH", "ph"), "reason": "x"})
    assert "may not accept or decline" in await refused(handle, CycleWorkflow.decide_city,
                                                        not_chair)  # fmt: skip
    assert [e.type for e in store.read_stream(MEMBERSHIP_STREAM)] == ["CityProposed"]


async def test_a_cycle_told_of_a_change_made_elsewhere_loads_it_and_decides_with_it(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    # Made through another year's cycle: this one has not seen it.
    changes = [
        CityProposed(year=2026, member_state="TL", city="Baucau", capital=False),
        CityDecided(year=2026, member_state="TL", city="Baucau", decision="accepted"),
    ]
    at = await env.get_current_time()
    store.append(MEMBERSHIP_STREAM, [
        to_new_event(fact, event_id=uuid.uuid4(), occurred_at=at, actor=CHAIR_TEAM)
        for fact in changes
    ], expected_version=None)  # fmt: skip
    assert (await handle.query(CycleWorkflow.status)).reference_version == 0

    await handle.signal(CycleWorkflow.membership_changed, MembershipChanged(version=2))
    await env.sleep(DAY)

    assert (await handle.query(CycleWorkflow.status)).reference_version == 2
    result = await handle.execute_update(
        CycleWorkflow.submit_nominations, nominate("TL", "Dili", "Baucau", by=NR_TL)
    )
    assert result.recorded == ("NominationsSubmitted",)
