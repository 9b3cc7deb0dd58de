"""The API on the real TemporalCycleGateway, a time-skipping server and a worker.

Next year's cycle is started, nominated for and approved through HTTP; the store
then holds each fact with the actor of the token that caused it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from ascn import embedded
from ascn.projections import catch_up_all
from domain.planning import plan_cycle
from domain.reference import ReferenceData
from domain.streams import cycle_stream, nominations_stream
from eventstore.engine import create_store_engine
from eventstore.schema import metadata
from eventstore.store import EventStore
from services.cycles import CycleDeps
from services.gateway import TemporalCycleGateway
from services.records import RecordsDeps, TemporalRecordsGateway
from services.sealing import Sealer
from tests.api.conftest import user_with_token
from tests.sealing import SEAL_KEYS
from workers.worker import create_worker
from workflows.cycle import workflow_id

REFERENCE = ReferenceData.load()


@dataclass
class MovableClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'events.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=embedded.test_server_path(),
        test_server_startup_timeout=embedded.STARTUP_TIMEOUT,
        data_converter=pydantic_data_converter,
    ) as environment:
        yield environment


@pytest.fixture
async def worker(env: WorkflowEnvironment, engine: Engine) -> AsyncIterator[Worker]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        worker = create_worker(
            env.client, EventStore(engine), REFERENCE, task_queue=f"api-{uuid.uuid4().hex[:8]}",
            executor=pool, max_concurrent_activities=8, seal_keys=SEAL_KEYS)  # fmt: skip
        async with worker:
            yield worker


def bearer_of(engine: Engine, name: str, role: str, now: datetime) -> dict[str, str]:
    # The cycle runs for months of the test server's time: tokens that outlive it.
    token = user_with_token(engine, name, role, now=now, ttl=timedelta(days=3650))
    return {"Authorization": f"Bearer {token}"}


def singapore(city: str = "Singapore") -> dict[str, object]:
    return {
        "member_state": "SG",
        "national_representative": {"name": "NR SG", "email": "nr.sg@example.org"},
        "cities": [{"city": city, "csco": {"name": "CSCO", "email": "csco@example.org"}}],
    }


async def test_a_cycle_driven_through_the_api_records_who_did_what(
    env: WorkflowEnvironment, worker: Worker, engine: Engine
) -> None:
    clock = MovableClock(await env.get_current_time())
    year = clock.now.year + 1
    chair_of, shepherd_of = REFERENCE.chair_for(year).code, REFERENCE.shepherd_for(year).code
    shepherd = bearer_of(engine, "the-shepherd", f"shepherd:{shepherd_of}", clock.now)
    nr_sg = bearer_of(engine, "nr-sg", "nr:SG", clock.now)
    chair = bearer_of(engine, "the-chair-team", f"chair_team:{chair_of}", clock.now)
    next_chair = bearer_of(
        engine, "next-chair-team", f"chair_team:{REFERENCE.chair_for(year + 1).code}", clock.now
    )
    cycles = CycleDeps(
        gateway=TemporalCycleGateway(env.client, worker.task_queue),
        sealer=Sealer(SEAL_KEYS, clock), reference=REFERENCE, store=EventStore(engine),
    )  # fmt: skip
    app = create_app(engine=engine, cycles=cycles, clock=clock)
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://ascn") as http:
        started = await http.post("/v1/cycles", json={"year": year}, headers=shepherd)
        again = await http.post("/v1/cycles", json={"year": year}, headers=shepherd)

        opens = plan_cycle(REFERENCE, year, "recurring").steps[0].opens_at
        await env.sleep(opens - await env.get_current_time() + timedelta(days=1))
        clock.now = await env.get_current_time()
        atlantis = await http.post(
            f"/v1/cycles/{year}/nominations", json=singapore("Atlantis"), headers=nr_sg
        )
        submitted = await http.post(
            f"/v1/cycles/{year}/nominations", json=singapore(), headers=nr_sg
        )
        approved = await http.post(
            f"/v1/cycles/{year}/steps/nomination_deadline/approve", headers=chair
        )
        twice = await http.post(
            f"/v1/cycles/{year}/steps/nomination_deadline/approve", headers=chair
        )
        no_cycle = await http.post(f"/v1/cycles/{year + 1}/steps/scgw/approve", headers=next_chair)
        not_theirs = await http.post(
            f"/v1/cycles/{year}/steps/nomination_deadline/approve", headers=next_chair
        )
        catch_up_all(engine)  # the projector's pass: reads never catch up themselves
        status = await http.get(f"/v1/cycles/{year}", headers=nr_sg)
        listed = await http.get(f"/v1/cycles/{year}/nominations", headers=nr_sg)

    assert started.status_code == 201, started.text
    assert started.json()["workflow_id"] == workflow_id(year)
    assert (again.status_code, again.json()["type"]) == (409, "urn:ascn:problem:refused")
    assert atlantis.status_code == 409
    assert "Atlantis" in atlantis.json()["detail"]
    assert submitted.json() == {"recorded": ["NominationsSubmitted"]}
    assert approved.json() == {"recorded": ["StepApproved"]}
    assert twice.status_code == 409
    assert "already approved" in twice.json()["detail"]
    assert (no_cycle.status_code, no_cycle.json()["type"]) == (404, "urn:ascn:problem:no-cycle")
    assert not_theirs.status_code == 403
    assert f"may not approve a step in the {year} cycle" in not_theirs.json()["detail"]
    assert status.status_code == 200
    step = status.json()["steps"][0]
    assert (step["step"], step["approved_by"]) == (
        "nomination_deadline",
        f"chair_team:{chair_of}/the-chair-team",
    )
    assert [(row["city"], row["capital"]) for row in listed.json()] == [("Singapore", True)]

    store = EventStore(engine)
    nominated = store.read_stream(nominations_stream("SG"))
    assert [(e.type, e.actor) for e in nominated] == [("NominationsSubmitted", "nr:SG/nr-sg")]
    assert nominated[0].occurred_at == clock.now  # the API's stamp, not the worker's time
    decided = [(e.type, e.actor) for e in store.read_stream(cycle_stream(year))]
    assert ("StepApproved", f"chair_team:{chair_of}/the-chair-team") in decided
    assert decided[0] == ("CycleOpened", "system/ascn-engine")
    described = await env.client.get_workflow_handle(workflow_id(year)).describe()
    assert await described.memo_value("started_by") == f"shepherd:{shepherd_of}/the-shepherd"


async def test_the_cycles_refusals_get_their_own_status_codes(
    env: WorkflowEnvironment, worker: Worker, engine: Engine
) -> None:
    clock = MovableClock(await env.get_current_time())
    year = clock.now.year + 1
    shepherd = bearer_of(
        engine, "the-shepherd", f"shepherd:{REFERENCE.shepherd_for(year).code}", clock.now
    )
    chair = bearer_of(
        engine, "the-chair-team", f"chair_team:{REFERENCE.chair_for(year).code}", clock.now
    )
    nr_sg = bearer_of(engine, "nr-sg", "nr:SG", clock.now)
    cycles = CycleDeps(
        gateway=TemporalCycleGateway(env.client, worker.task_queue),
        sealer=Sealer(SEAL_KEYS, clock), reference=REFERENCE, store=EventStore(engine),
    )  # fmt: skip
    transport = httpx.ASGITransport(app=create_app(engine=engine, cycles=cycles, clock=clock))
    opens = plan_cycle(REFERENCE, year, "recurring").steps[0].opens_at

    async with httpx.AsyncClient(transport=transport, base_url="http://ascn") as http:
        started = await http.post("/v1/cycles", json={"year": year}, headers=shepherd)
        unknown = await http.post(f"/v1/cycles/{year}/steps/x/approve", headers=chair)
        early = await http.post(f"/v1/cycles/{year}/nominations", json=singapore(), headers=nr_sg)

    assert started.status_code == 201, started.text
    assert (unknown.status_code, unknown.json()["type"]) == (404, "urn:ascn:problem:unknown-step")
    assert f"no step 'x' in the {year} cycle" in unknown.json()["detail"]
    # Before they open, nominations are refused saying when they open: a date ahead.
    assert opens > clock.now
    assert early.status_code == 409
    assert early.json()["detail"] == (
        f"nominations for {year} are not open yet: it opens at {opens.isoformat()}"
    )


# The whole way for a plan, an assessment and a pair: HTTP -> service -> Temporal ->
# workflow -> activity -> store -> projector -> read model -> HTTP, each fact recorded
# with the actor of the token that sent it.
PLAN: dict[str, Any] = {
    "city_id": "KH-siem-reap", "period_start": 2020, "period_end": 2030,
    "projects": [{"project_id": "heritage-traffic", "title": "Heritage traffic",
                  "focus_areas": ["built_infrastructure"], "status": "ongoing"}],
}  # fmt: skip


async def test_a_plan_an_assessment_and_a_pair_through_the_api(
    env: WorkflowEnvironment, worker: Worker, engine: Engine
) -> None:
    clock = MovableClock(await env.get_current_time())
    year = clock.now.year
    chair = REFERENCE.chair_for(year).code
    csco = bearer_of(engine, "csco-siem-reap", "csco:KH-siem-reap", clock.now)
    imd = bearer_of(engine, "imd", "asec", clock.now)
    team = bearer_of(engine, "the-chair-team", f"chair_team:{chair}", clock.now)
    store = EventStore(engine)
    app = create_app(
        engine=engine, clock=clock,
        cycles=CycleDeps(gateway=TemporalCycleGateway(env.client, worker.task_queue),
                         sealer=Sealer(SEAL_KEYS, clock), reference=REFERENCE, store=store),
        records=RecordsDeps(gateway=TemporalRecordsGateway(env.client, worker.task_queue),
                            sealer=Sealer(SEAL_KEYS, clock), reference=REFERENCE),
    )  # fmt: skip
    assessment = {"year": year, "city_id": "KH-siem-reap", "project_id": "heritage-traffic",
                  "status": "ongoing", "evidence": "Two routes have sensors."}  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://ascn") as http:  # fmt: skip
        planned = await http.post("/v1/plans", json=PLAN, headers=csco)
        unknown = await http.post("/v1/assessments", headers=imd,
                                  json={**assessment, "project_id": "no-such"})  # fmt: skip
        assessed = await http.post("/v1/assessments", json=assessment, headers=imd)
        partner = await http.post("/v1/partners", headers=team, json={
            "partner_id": "adb", "name": "Asian Development Bank",
            "kind": "financial_institution", "year": year})  # fmt: skip
        paired = await http.post("/v1/twinning", headers=team, json={
            "city_id": "KH-siem-reap", "partner_id": "adb",
            "starts": f"{year}-01-01", "ends": f"{year + 1}-12-31"})  # fmt: skip
        catch_up_all(engine)
        projects = (await http.get(f"/v1/projects/{year}", headers=csco)).json()
        pairs = (await http.get("/v1/twinning", headers=csco)).json()

    assert planned.status_code == 200, planned.text
    assert planned.json() == {"stream": "plan-KH-siem-reap", "recorded": ["ActionPlanSubmitted"]}
    assert unknown.status_code == 409
    assert "unknown project KH-siem-reap/no-such" in unknown.json()["detail"]
    assert assessed.status_code == partner.status_code == paired.status_code == 200
    assert [e.actor for e in store.read_stream("plan-KH-siem-reap")] == [
        "csco:KH-siem-reap/csco-siem-reap"
    ]
    assert [e.actor for e in store.read_stream(f"monitoring-{year}")] == ["asec/imd"]
    assert projects[0]["assessment"]["evidence"] == "Two routes have sensors."
    assert [(p["city_id"], p["partner_id"]) for p in pairs] == [("KH-siem-reap", "adb")]
