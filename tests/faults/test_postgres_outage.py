"""PostgreSQL down for about 30 seconds in the middle of a cycle, while NRs submit and the
Chair's team approves through the API, on the dev server.

The store is a PostgreSQL cluster of the test's own (``initdb`` and ``pg_ctl`` on a free
port, in a folder of its own, as ``tests/api/test_store_outage.py`` starts it); the
machine's shared server is never touched. Two submissions are in flight when the server
stops: their appends wait on a lock the test holds, so the server goes down under them.
One client waits for its answer; the other gives up after a few seconds, as a call that
died in the outage, and sends the same request again with the same Idempotency-Key
afterwards. While the server is down every request is answered at once, 503 with
Retry-After, "store-unavailable": nothing is done, and the client is told to try again.

Afterwards: everything accepted was recorded, each retry with the same key recorded
nothing more, and the store is sound (``store_checks``).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.testing import WorkflowEnvironment

from eventstore import migrate
from eventstore.engine import create_store_engine
from tests.api.test_store_outage import Cluster, cluster  # noqa: F401 (the fixture)
from tests.faults.conftest import (
    Api,
    CycleHandle,
    add_people,
    api_over,
    seconds_plan,
    start_cycle,
    this_year,
    wait_until_open,
    worker_in_process,
)
from tests.faults.store_checks import assert_store_sound
from tests.processes import eventually

pytestmark = [pytest.mark.faults, pytest.mark.asyncio(loop_scope="module")]

OUTAGE_S = 30.0
GIVES_UP_AFTER_S = 3.0
STEPS = ("nomination_deadline", "scgw", "annual_meeting")
CAPITALS = {"SG": "Singapore", "TH": "Bangkok", "MY": "Kuala Lumpur", "ID": "DKI Jakarta",
            "VN": "Ha Noi"}  # fmt: skip


def nominations(member_state: str) -> dict[str, object]:
    city = CAPITALS[member_state]
    return {
        "member_state": member_state,
        "national_representative": {"name": f"NR {member_state}", "email": "nr@example.org"},
        "cities": [{"city": city, "csco": {"name": f"CSCO {city}", "email": "c@example.org"}}],
    }


def told_to_try_again(response: httpx.Response) -> bool:
    """503 with Retry-After: the store did not answer (nothing was done), or the cycle did
    not answer in time (a retry with the same key has the command's one effect)."""
    return (
        response.status_code == 503
        and response.headers.get("retry-after") == "5"
        and response.json()["type"] in ("urn:ascn:problem:store-unavailable",
                                        "urn:ascn:problem:cycle-unavailable")
    )  # fmt: skip


async def until_answered(api: Api, path: str, who: str, body: object, key: str) -> httpx.Response:
    """Send again, with the same key, while the answer says to try again."""
    while True:
        response = await api.post(path, who, body, key=key)
        if response.status_code != 503:
            return response
        assert told_to_try_again(response), response.text
        await asyncio.sleep(1)


async def appends_waiting(handle: CycleHandle, count: int) -> bool:
    started = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
    pending = (await handle.describe()).raw_description.pending_activities
    return sum(1 for a in pending if a.state == started) >= count


async def test_postgres_down_for_30_seconds_mid_cycle(
    dev_server: WorkflowEnvironment,
    cluster: Cluster,  # noqa: F811 (the fixture, imported)
    tmp_path: Path,
    task_queue: str,
) -> None:
    engine = create_store_engine(cluster.url)
    migrate.upgrade(engine)
    year = this_year()
    people = add_people(engine, year)
    client = dev_server.client
    during: list[httpx.Response] = []
    try:
        async with (
            worker_in_process(client, engine, task_queue),
            api_over(engine, client, task_queue, year, people) as api,
        ):
            plan = seconds_plan(year, datetime.now(UTC), member_states=tuple(CAPITALS))
            handle = await start_cycle(client, plan, task_queue)
            await wait_until_open(handle, STEPS[0])
            before = await api.post("/nominations", "nr:SG", nominations("SG"), key="sg-1")

            # Hold the events table: the next appends wait inside their activities.
            lock = psycopg.connect(cluster.url, autocommit=False)
            lock.execute("LOCK TABLE events IN EXCLUSIVE MODE")
            gave_up = asyncio.create_task(
                asyncio.wait_for(
                    api.post("/nominations", "nr:TH", nominations("TH"), key="th-1"),
                    GIVES_UP_AFTER_S,
                )
            )
            waits = asyncio.create_task(
                api.post("/nominations", "nr:MY", nominations("MY"), key="my-1")
            )
            await eventually(lambda: appends_waiting(handle, 2), what="both appends to wait")
            cluster.stop()
            lock.close()
            down_until = time.monotonic() + OUTAGE_S
            while time.monotonic() < down_until:
                during.append(
                    await api.post("/nominations", "nr:ID", nominations("ID"), key="id-1")
                )
                during.append(
                    await api.post(f"/steps/{STEPS[0]}/approve", "chair", key=f"ap-{STEPS[0]}")
                )
                await asyncio.sleep(3)
            # The client gave up; the API, cancelled with it, answers "try again" if the
            # answer is still wanted (the gateway sees its call to Temporal cancelled).
            try:
                abandoned: httpx.Response | None = await gave_up
            except TimeoutError:
                abandoned = None
            assert not waits.done()
            cluster.start()

            th = await until_answered(api, "/nominations", "nr:TH", nominations("TH"), "th-1")
            th_again = await until_answered(api, "/nominations", "nr:TH", nominations("TH"), "th-1")
            my = await waits
            late = [
                await until_answered(api, "/nominations", f"nr:{ms}", nominations(ms), f"{ms}-1")
                for ms in ("ID", "VN")
            ]
            approvals = []
            for name in STEPS:
                await wait_until_open(handle, name, within=60)
                path = f"/steps/{name}/approve"
                approvals.append(await until_answered(api, path, "chair", None, f"ap-{name}"))
            await asyncio.wait_for(handle.result(), timeout=60)
    finally:
        engine.dispose()

    assert before.status_code == 200, before.text
    assert during, "no request was sent while the server was down"
    for response in during:
        assert told_to_try_again(response), response.text
        assert response.json()["type"] == "urn:ascn:problem:store-unavailable"
        assert "nothing was done, try again" in response.json()["detail"]
    assert abandoned is None or told_to_try_again(abandoned), abandoned.text
    # Accepted before the outage, recorded after it: the waiting caller is told so.
    assert (my.status_code, my.json()) == (200, {"recorded": ["NominationsSubmitted"]})
    assert (th.status_code, th.json()) == (200, {"recorded": ["NominationsSubmitted"]})
    assert th_again.headers.get("idempotent-replayed") == "true"
    assert [r.status_code for r in late + approvals] == [200] * 5, [r.text for r in late]
    expected = {
        "CycleOpened": 1, "CyclePlanned": 1, "StepOpened": 3, "StepApproved": 3,
        "StepCompleted": 3, "CycleCompleted": 1, "NominationsSubmitted": len(CAPITALS),
    }  # fmt: skip
    exported = assert_store_sound(cluster.url, tmp_path, expected)
    submitted = sorted(e["data"]["member_state"] for e in exported
                       if e["type"] == "NominationsSubmitted")  # fmt: skip
    assert submitted == sorted(CAPITALS)
