"""Record the history of the full 2018 demo cycle, to check in for the replay test.

Run it when a change to the workflow is meant to be incompatible (and patched), to
cover the patched branch with a history of its own, next to the older ones:
    .venv/bin/python -m tests.replay.record_history cycle-2018-<patch id>.json
It never overwrites a history: running cycles recorded those, and they must replay.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.working_days import with_civil_hours
from ascn.bootstrap import services
from ascn.calendar_files import packaged_calendar
from ascn.demo.run import quiet_runtime, run_cycle
from ascn.embedded import STARTUP_TIMEOUT, test_server_path
from ascn.settings import load_settings
from domain.reference import ReferenceData
from eventstore import migrate
from workflows.cycle import workflow_id

HISTORIES = Path(__file__).parent / "histories"


async def record(target: Path) -> int:
    reference = ReferenceData.load()
    # As the demo plans it: the 2018 calendar file, with each reader's working days.
    plan = with_civil_hours(packaged_calendar(2018, reference).calendar.plan(reference), reference)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(db_url=f"sqlite:///{folder}/record.db")
        with services(settings, create=True) as built:
            migrate.upgrade(built.engine)
            async with await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=test_server_path(),
                test_server_startup_timeout=STARTUP_TIMEOUT,
                data_converter=pydantic_data_converter,
                runtime=quiet_runtime(),
            ) as env:
                # A worker with a signing key, as deployed: checkpoints when steps complete.
                await run_cycle(
                    env, built, reference, plan, ledger_key=Ed25519PrivateKey.generate()
                )
                history = await env.client.get_workflow_handle(
                    workflow_id(plan.year)
                ).fetch_history()
    with target.open("x") as out:  # "x": never over an existing history
        out.write(history.to_json())
    return len(history.events)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or "/" in argv[0] or not argv[0].endswith(".json"):
        print("usage: python -m tests.replay.record_history NEW-NAME.json", file=sys.stderr)
        return 2
    target = HISTORIES / argv[0]
    if target.exists():
        print(f"{target} exists; a checked-in history is never re-recorded", file=sys.stderr)
        return 1
    print(f"recorded {asyncio.run(record(target))} events to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
