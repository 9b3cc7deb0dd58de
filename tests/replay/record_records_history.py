"""Record the history of a city's plan workflow (two versions, one refused revision sent
with them, and a continue-as-new), to check in for the records replay test. Run it only
when the workflow changes on purpose, guarded by workflow.patched():
    .venv/bin/python -m tests.replay.record_records_history
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from ascn.embedded import STARTUP_TIMEOUT, test_server_path
from domain.actors import Actor
from domain.reference import ReferenceData
from eventstore.engine import create_store_engine
from eventstore.readmodels import schema as _readmodels  # noqa: F401
from eventstore.schema import metadata
from eventstore.store import EventStore
from services import records
from services.errors import Refused
from services.records import RecordsDeps, TemporalRecordsGateway
from services.sealing import Sealer
from tests.records.builders import SIEM_REAP, plan, project
from tests.sealing import SEAL_KEYS
from workers.worker import create_worker
from workflows.records import RecordsInput, RecordsWorkflow, records_workflow_id

HISTORY = Path(__file__).parent / "histories" / "records-plan.json"
WORKFLOW_ID = records_workflow_id(f"plan-{SIEM_REAP}")
CSCO = Actor(id="csco", role=f"csco:{SIEM_REAP}")


async def record() -> int:
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(8) as pool:
        engine = create_store_engine(f"sqlite:///{folder}/record.db")
        metadata.create_all(engine)
        async with await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=test_server_path(),
            test_server_startup_timeout=STARTUP_TIMEOUT, data_converter=pydantic_data_converter,
        ) as env:  # fmt: skip
            task_queue = f"record-{uuid.uuid4().hex[:8]}"
            worker = create_worker(
                env.client, EventStore(engine), ReferenceData.load(), task_queue=task_queue,
                executor=pool, max_concurrent_activities=8, seal_keys=SEAL_KEYS,
            )  # fmt: skip
            async with worker:
                handle = await env.client.start_workflow(
                    RecordsWorkflow.run,
                    RecordsInput(stream_id=f"plan-{SIEM_REAP}", continue_as_new_after=20),
                    id=WORKFLOW_ID, task_queue=task_queue,
                )  # fmt: skip
                now = await env.get_current_time()
                deps = RecordsDeps(
                    gateway=TemporalRecordsGateway(env.client, task_queue),
                    sealer=Sealer(SEAL_KEYS, lambda: now), reference=ReferenceData.load(),
                )  # fmt: skip
                await records.submit_plan(plan(), CSCO, deps, "v1")
                revised = plan(
                    SIEM_REAP,
                    project(),
                    project("wifi", title="Wi-Fi", focus_areas=("civic_and_social",)),
                )
                answers = await asyncio.gather(
                    records.submit_plan(revised, CSCO, deps, "v2"),
                    records.submit_plan(revised, CSCO, deps, "v2-again"),
                    return_exceptions=True,
                )  # fmt: skip
                assert sum(isinstance(a, Refused) for a in answers) == 1, answers
            history = await env.client.get_workflow_handle(
                WORKFLOW_ID, run_id=handle.first_execution_run_id
            ).fetch_history()
        engine.dispose()
    HISTORY.write_text(history.to_json())
    return len(history.events)


if __name__ == "__main__":
    print(f"recorded {asyncio.run(record())} events to {HISTORY}")
