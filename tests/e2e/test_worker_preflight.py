"""A worker refuses a store its running cycles did not record into, or one not migrated.

Started against the wrong store, a worker would resume every running cycle there: its
facts would land in streams without the cycle's beginning. It says so in one line and
exits 1 instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.reference import ReferenceData
from eventstore import migrate
from eventstore.engine import create_store_engine
from eventstore.store import EventStore
from tests.e2e.conftest import (
    cycle_input,
    seconds_plan,
    wait_for_facts,
    worker_process,
)
from tests.processes import Process
from tests.sealing import SEAL_KEYS
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow, workflow_id

YEAR = 2018


def ascn_worker(db_path: Path, address: str, task_queue: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASCN_")},
        "ASCN_DB_URL": f"sqlite:///{db_path}",
        "ASCN_TEMPORAL_ADDRESS": address,
        "ASCN_TASK_QUEUE": task_queue,
    }
    return subprocess.run(
        [sys.executable, "-m", "ascn", "worker"], cwd=db_path.parent, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def refused_once(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def empty_store(path: Path, revision: str = "head") -> Path:
    engine = create_store_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, revision)
    engine.dispose()
    return path


def test_a_worker_refuses_a_store_whose_migrations_are_not_at_head(tmp_path: Path) -> None:
    behind = empty_store(tmp_path / "behind.db", revision="0005")

    # No Temporal at this address: the store is checked before the worker connects.
    refused = refused_once(ascn_worker(behind, "127.0.0.1:1", "ascn-preflight"))

    assert "is at revision 0005, not" in refused
    assert str(behind) in refused
    assert "ascn migrate" in refused


async def test_a_worker_refuses_an_empty_store_while_a_cycle_runs(
    dev_server: WorkflowEnvironment,
    store: EventStore,
    db_path: Path,
    tmp_path: Path,
    unique: str,
    worker_processes: list[Process],
) -> None:
    client = dev_server.client
    address = client.service_client.config.target_host
    with ThreadPoolExecutor(max_workers=4) as pool:
        worker = create_worker(client, store, ReferenceData.load(), task_queue=unique,
                               executor=pool, max_concurrent_activities=4,
                               seal_keys=SEAL_KEYS)  # fmt: skip
        async with worker:
            await client.start_workflow(
                CycleWorkflow.run, cycle_input(seconds_plan(datetime.now(UTC), opens_in=60)),
                id=workflow_id(YEAR), task_queue=unique,
            )  # fmt: skip
            await wait_for_facts(store, lambda facts: len(facts) >= 1, what="the cycle opened")

    elsewhere = empty_store(tmp_path / "elsewhere" / "ascn.db")
    refused = refused_once(ascn_worker(elsewhere, address, unique))

    assert f"running cycle {workflow_id(YEAR)} (cycle-{YEAR})" in refused
    assert str(elsewhere) in refused
    # The store the cycle ran against is fine: a worker on it starts.
    right = worker_process(name="right", db_path=db_path, address=address, task_queue=unique)
    worker_processes.append(right)
    right.start()
    await right.started()
