"""The records workflows on the real dev server: the services start a stream's workflow
or use the running one (USE_EXISTING), and commands sent at once are recorded in turn."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from temporalio.testing import WorkflowEnvironment

from domain.actors import Actor
from domain.reference import ReferenceData
from eventstore.store import EventStore
from eventstore.verify import verify_store
from services import records
from services.errors import Refused
from services.records import RecordsDeps, TemporalRecordsGateway
from services.sealing import Sealer
from tests.records.builders import SIEM_REAP, partner, plan, project
from tests.sealing import SEAL_KEYS
from workers.worker import create_worker

CSCO = Actor(id="csco", role=f"csco:{SIEM_REAP}")
SG_TEAM = Actor.chair_team("SG", "team")


async def test_streams_start_once_and_take_concurrent_commands_in_turn(
    dev_server: WorkflowEnvironment, store: EventStore, unique: str
) -> None:
    client = dev_server.client
    task_queue = f"e2e-{unique}"
    deps = RecordsDeps(
        gateway=TemporalRecordsGateway(client, task_queue),
        sealer=Sealer(SEAL_KEYS, lambda: datetime.now(UTC)), reference=ReferenceData.load(),
    )  # fmt: skip
    with ThreadPoolExecutor(max_workers=8) as pool:
        worker = create_worker(
            client, store, ReferenceData.load(), task_queue=task_queue, executor=pool,
            max_concurrent_activities=8, seal_keys=SEAL_KEYS)  # fmt: skip
        async with worker:
            await records.submit_plan(plan(), CSCO, deps)
            revised = plan(
                SIEM_REAP,
                project(),
                project("wifi", title="Wi-Fi", focus_areas=("civic_and_social",)),
            )
            # Five copies of one revision at once: one new version, four refusals.
            outcomes = await asyncio.gather(
                *(records.submit_plan(revised, CSCO, deps) for _ in range(5)),
                return_exceptions=True,
            )  # fmt: skip
            # Five different partners at once: all recorded, one after the other.
            await asyncio.gather(*(
                records.add_partner(partner(f"p{n}", f"Partner {n}"), SG_TEAM, deps)
                for n in range(5)
            ))  # fmt: skip
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert len(refused) == 4
    assert all("same as its version 2" in r.message for r in refused)
    versions = [e.data["version"] for e in store.read_stream(f"plan-{SIEM_REAP}")]
    assert versions == [1, 2]
    assert sorted(e.data["partner_id"] for e in store.read_stream("partners")) == [
        f"p{n}" for n in range(5)
    ]
    runs = [w async for w in client.list_workflows(f"WorkflowId = 'ascn-plan-{SIEM_REAP}'")]
    assert len(runs) == 1  # started once, used by every later command
    assert verify_store(store).ok
