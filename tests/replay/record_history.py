"""Record the history of the full 2018 demo cycle, to check in for the replay test.

Run it only when a change to the workflow is meant to be incompatible (and patched):
    .venv/bin/python -m tests.replay.record_history
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from ascn.bootstrap import services
from ascn.demo.run import quiet_runtime, run_cycle
from ascn.embedded import test_server_path
from ascn.settings import load_settings
from domain.calendar import inaugural_2018
from domain.reference import ReferenceData
from eventstore import migrate
from workflows.cycle import workflow_id

HISTORY = Path(__file__).parent / "histories" / "cycle-2018.json"


async def record() -> int:
    reference = ReferenceData.load()
    plan = inaugural_2018().plan(reference)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(db_url=f"sqlite:///{folder}/record.db")
        with services(settings, create=True) as built:
            migrate.upgrade(built.engine)
            async with await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=test_server_path(),
                data_converter=pydantic_data_converter,
                runtime=quiet_runtime(),
            ) as env:
                await run_cycle(env, built, reference, plan)
                history = await env.client.get_workflow_handle(
                    workflow_id(plan.year)
                ).fetch_history()
    HISTORY.write_text(history.to_json())
    return len(history.events)


if __name__ == "__main__":
    print(f"recorded {asyncio.run(record())} events to {HISTORY}")
