"""Requests sent at once through the API, on the real gateway and a time-skipping server.

Exactly one of them changes the cycle; every other caller gets a 409 whose detail says
what happened, within two seconds (never a 503 after a minute, never "Activity task
failed"). A deadline given as a plain date is the end of that day in the cycle's zone.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from domain.planning import plan_cycle
from domain.streams import cycle_stream, nominations_stream
from eventstore.store import EventStore
from services.cycles import CycleDeps
from services.gateway import TemporalCycleGateway
from services.sealing import Sealer
from tests.api.test_temporal_gateway import (
    REFERENCE,
    MovableClock,
    bearer_of,
    engine,  # noqa: F401 (fixtures shared with the gateway's own test)
    env,  # noqa: F401
    singapore,
    worker,  # noqa: F401
)
from tests.sealing import SEAL_KEYS
from workflows.cycle import CycleWorkflow, workflow_id

ANSWER_WITHIN = 2.0


@dataclass
class Api:
    http: httpx.AsyncClient
    year: int
    headers: dict[str, dict[str, str]]
    env: WorkflowEnvironment
    engine: Engine

    def facts(self, stream: str | None = None) -> Counter[str]:
        events = EventStore(self.engine).read_stream(stream or cycle_stream(self.year))
        return Counter(e.type for e in events)

    async def post_at_once(
        self, path: str, who: str, body: dict[str, Any] | None, size: int
    ) -> tuple[list[httpx.Response], float]:
        async def one() -> tuple[httpx.Response, float]:
            response = await self.http.post(
                f"/v1/cycles/{self.year}{path}", json=body, headers=self.headers[who]
            )
            return response, time.monotonic() - started

        started = time.monotonic()
        answers = await asyncio.gather(*(one() for _ in range(size)))
        return [r for r, _ in answers], max(seconds for _, seconds in answers)


@pytest.fixture
async def api(
    env: WorkflowEnvironment,  # noqa: F811
    worker: Worker,  # noqa: F811
    engine: Engine,  # noqa: F811
) -> AsyncIterator[Api]:
    """Next year's cycle, started through the API, a day after its nominations open."""
    clock = MovableClock(await env.get_current_time())
    year = clock.now.year + 1
    chair, shepherd = REFERENCE.chair_for(year).code, REFERENCE.shepherd_for(year).code
    headers = {
        "shepherd": bearer_of(engine, "the-shepherd", f"shepherd:{shepherd}", clock.now),
        "chair": bearer_of(engine, "the-chair-team", f"chair_team:{chair}", clock.now),
        "nr": bearer_of(engine, "nr-sg", "nr:SG", clock.now),
    }
    cycles = CycleDeps(
        gateway=TemporalCycleGateway(env.client, worker.task_queue),
        sealer=Sealer(SEAL_KEYS, clock), reference=REFERENCE, store=EventStore(engine),
    )  # fmt: skip
    app = create_app(engine=engine, cycles=cycles, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ascn"
    ) as http:
        started = await http.post("/v1/cycles", json={"year": year}, headers=headers["shepherd"])
        assert started.status_code == 201, started.text
        opens = plan_cycle(REFERENCE, year, "recurring").steps[0].opens_at
        await env.sleep(opens - await env.get_current_time() + timedelta(days=1))
        clock.now = await env.get_current_time()
        yield Api(http=http, year=year, headers=headers, env=env, engine=engine)


def one_ok(responses: list[httpx.Response], slowest: float, *detail_says: str) -> None:
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: len(responses) - 1} if len(responses) > 1 else {200: 1}, [
        r.text for r in responses if r.status_code != 200
    ][:3]
    for response in responses:
        if response.status_code == 409:
            problem = response.json()
            assert problem["type"] == "urn:ascn:problem:refused"
            assert all(part in problem["detail"] for part in detail_says), problem["detail"]
    assert slowest < ANSWER_WITHIN, f"the slowest caller waited {slowest:.2f} s"


@pytest.mark.parametrize("size", [2, 10, 50])
async def test_approvals_at_once(api: Api, size: int) -> None:
    responses, slowest = await api.post_at_once(
        "/steps/nomination_deadline/approve", "chair", None, size
    )

    one_ok(responses, slowest, "nomination_deadline is already approved by chair_team:",
           "/the-chair-team at ")  # fmt: skip
    assert api.facts()["StepApproved"] == 1


async def test_waivers_at_once(api: Api) -> None:
    responses, slowest = await api.post_at_once(
        "/steps/scgw/waive", "chair", {"reason": "held with the annual meeting"}, 10
    )

    one_ok(responses, slowest, "scgw is already waived by chair_team:")
    status = await api.env.client.get_workflow_handle_for(
        CycleWorkflow.run, workflow_id(api.year)
    ).query(CycleWorkflow.status)
    assert [s.state for s in status.steps if s.step == "scgw"] == ["waived"]
    assert api.facts()["StepWaived"] == 1


async def test_extensions_to_a_plain_date_at_once(api: Api) -> None:
    body = {"new_deadline": f"{api.year}-03-10", "reason": "the SOM moved"}

    responses, slowest = await api.post_at_once(
        "/steps/nomination_deadline/extend", "chair", body, 10
    )

    one_ok(responses, slowest, "must be after the current one", "extended by chair_team:")
    (extended,) = [
        e.data for e in EventStore(api.engine).read_stream(cycle_stream(api.year))
        if e.type == "DeadlineExtended"
    ]  # fmt: skip
    # The end of 10 March in the cycle's zone (the recurring calendar's, Asia/Jakarta).
    assert extended["new_deadline"] == f"{api.year}-03-10T23:59:59.999999+07:00"


async def test_an_extension_past_the_years_window_is_refused_by_the_services(api: Api) -> None:
    body = {"new_deadline": "9999-12-31T23:59:59+14:00", "reason": "the JCM moved"}

    response = await api.http.post(
        f"/v1/cycles/{api.year}/steps/nomination_deadline/extend",
        json=body, headers=api.headers["chair"],
    )  # fmt: skip

    assert response.status_code == 409
    assert f"beyond the latest one a {api.year} cycle allows" in response.json()["detail"]
    assert api.facts()["DeadlineExtended"] == 0


async def test_the_same_exception_granted_at_once(api: Api) -> None:
    body = {"member_state": "MY", "exception_id": "MY-4", "rule": "max_cities",
            "max_cities": 4, "reason": "a fourth pilot city"}  # fmt: skip

    responses, slowest = await api.post_at_once("/exceptions", "chair", body, 10)

    one_ok(responses, slowest, "exception id 'MY-4' is already used")
    assert api.facts(nominations_stream("MY")) == {"ExceptionGranted": 1}


async def test_the_same_nominations_at_once(api: Api) -> None:
    responses, slowest = await api.post_at_once("/nominations", "nr", singapore(), 10)

    one_ok(responses, slowest, f"SG already submitted these nominations for {api.year}")
    assert api.facts(nominations_stream("SG")) == {"NominationsSubmitted": 1}
