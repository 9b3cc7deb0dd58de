"""The records streams' workflows on the time-skipping server, through the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.reference import ReferenceData
from eventstore.store import EventStore
from services import records
from services.errors import Refused
from services.records import RecordsDeps, TemporalRecordsGateway
from services.sealing import Sealer
from tests.records.builders import SIEM_REAP, assessment, pair, partner, plan, project
from tests.sealing import SEAL_KEYS

CSCO = Actor(id="csco", role=f"csco:{SIEM_REAP}")
ASEC = Actor(id="imd", role="asec")
SG_TEAM = Actor.chair_team("SG", "team")  # Singapore chaired 2018


async def deps(env: WorkflowEnvironment, task_queue: str) -> RecordsDeps:
    now: datetime = await env.get_current_time()
    return RecordsDeps(
        gateway=TemporalRecordsGateway(env.client, task_queue),
        sealer=Sealer(SEAL_KEYS, lambda: now), reference=ReferenceData.load(),
    )  # fmt: skip


def types(store: EventStore, stream: str) -> list[str]:
    return [event.type for event in store.read_stream(stream)]


async def test_a_plan_and_its_revision_are_two_versions(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, task_queue: str
) -> None:
    first = await records.submit_plan(plan(), CSCO, await deps(env, task_queue))
    assert first.stream == f"plan-{SIEM_REAP}"
    revised = plan(
        SIEM_REAP,
        project(),
        project("e-payments", title="City e-payments", focus_areas=("industry_and_innovation",)),
    )
    await records.submit_plan(revised, CSCO, await deps(env, task_queue))
    versions = [e.data["version"] for e in store.read_stream(f"plan-{SIEM_REAP}")]
    assert versions == [1, 2]
    with pytest.raises(Refused, match="same as its version 2"):
        await records.submit_plan(revised, CSCO, await deps(env, task_queue))
    assert len(store.read_stream(f"plan-{SIEM_REAP}")) == 2


async def test_an_assessment_of_an_unknown_project_is_refused_and_a_second_is_a_revision(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, task_queue: str
) -> None:
    await records.submit_plan(plan(), CSCO, await deps(env, task_queue))
    with pytest.raises(Refused, match="unknown project KH-siem-reap/no-such"):
        await records.assess_project(assessment("no-such"), ASEC, await deps(env, task_queue))
    assert types(store, "monitoring-2019") == []
    await records.assess_project(assessment(), ASEC, await deps(env, task_queue))
    await records.assess_project(assessment(status="stalled"), ASEC, await deps(env, task_queue))
    revisions = [e.data["revision"] for e in store.read_stream("monitoring-2019")]
    assert revisions == [1, 2]


async def test_a_city_pairs_with_one_partner_at_a_time(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, task_queue: str
) -> None:
    with pytest.raises(Refused, match="unknown partner 'jica'"):
        await records.pair_city(pair(), SG_TEAM, await deps(env, task_queue))
    await records.add_partner(partner(), SG_TEAM, await deps(env, task_queue))
    await records.add_partner(partner("adb", "Asian Development Bank", "financial_institution"),
                              SG_TEAM, await deps(env, task_queue))  # fmt: skip
    await records.pair_city(pair(), SG_TEAM, await deps(env, task_queue))
    with pytest.raises(Refused, match="one partner at a time"):
        await records.pair_city(pair(partner_id="adb"), SG_TEAM, await deps(env, task_queue))
    assert types(store, f"twinning-{SIEM_REAP}") == ["TwinningPaired"]


async def test_a_retried_request_records_once(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, task_queue: str
) -> None:
    first = await records.add_partner(partner(), SG_TEAM, await deps(env, task_queue), "key-1")
    again = await records.add_partner(partner(), SG_TEAM, await deps(env, task_queue), "key-1")
    assert first.recorded == again.recorded == ("PartnerAdded",)
    assert types(store, "partners") == ["PartnerAdded"]


async def test_an_unsealed_or_misdirected_update_is_refused(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, task_queue: str
) -> None:
    from workflows.records import RecordUpdate

    built = await deps(env, task_queue)
    update = RecordUpdate(actor=SG_TEAM, kind="add_partner",
                          command=partner().model_dump(mode="json"),
                          reference=built.reference)  # fmt: skip
    # Sealed for another stream's workflow: the seal does not verify here.
    wrong = built.sealer.seal_for("ascn-twinning-KH-siem-reap", "record", update)
    with pytest.raises(Refused, match="seal does not match"):
        await built.gateway.record("partners", wrong, None)
    assert types(store, "partners") == []


async def test_a_long_history_continues_as_new_with_its_state(
    env: WorkflowEnvironment, worker: Worker, store: EventStore, task_queue: str
) -> None:
    from workflows.records import RecordsInput, RecordsWorkflow

    handle = await env.client.start_workflow(
        RecordsWorkflow.run, RecordsInput(stream_id="partners", continue_as_new_after=10),
        id="ascn-partners", task_queue=task_queue,
    )  # fmt: skip
    for n in range(4):
        await records.add_partner(partner(f"p{n}", f"Partner {n}"), SG_TEAM,
                                  await deps(env, task_queue))  # fmt: skip
    with pytest.raises(Refused, match="already on the list"):
        await records.add_partner(partner("p0", "Partner 0"), SG_TEAM, await deps(env, task_queue))
    latest = env.client.get_workflow_handle("ascn-partners")
    assert (await latest.describe()).run_id != handle.run_id  # a new run carries on
    state: Any = await latest.query("records_state")
    assert sorted(state["partners"]["partners"]) == ["p0", "p1", "p2", "p3"]
