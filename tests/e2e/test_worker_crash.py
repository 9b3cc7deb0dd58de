"""A worker process killed mid-cycle: the next one carries on, no fact is lost or doubled.

The worker is ``python -m ascn worker`` in a process of its own, killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import PendingActivityState
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.calendar import CyclePlan
from domain.streams import nominations_stream
from eventstore.store import EventStore
from eventstore.verify import verify_store
from services.sealing import Sealer
from tests.e2e.conftest import (
    LADDER,
    NOMINATION_STEP,
    YEAR,
    CycleHandle,
    approve_each_step,
    assert_each_fact_once,
    cycle_facts,
    cycle_input,
    escalations,
    nomination_types,
    seconds_plan,
    wait_for_facts,
    wait_for_step,
    worker_process,
)
from tests.processes import Process, eventually
from tests.sealing import SEAL_KEYS
from tests.workflows.plans import nominate
from workflows.cycle import CycleWorkflow
from workflows.messages import SubmitNominationsUpdate, UpdateResult

RECORD_FACT = "record_cycle_fact"
UPDATE_CALL = timedelta(seconds=10)
"""How long one update call waits for a worker before it is sent again."""


def address_of(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


async def start_cycle(
    env: WorkflowEnvironment, task_queue: str, unique: str
) -> tuple[CycleHandle, CyclePlan]:
    plan = seconds_plan(datetime.now(UTC))
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(plan), id=f"e2e-crash-{unique}", task_queue=task_queue
    )
    return handle, plan


def new_worker(
    processes: list[Process], name: str, db_path: Path, address: str, task_queue: str
) -> Process:
    process = worker_process(
        name=name, db_path=db_path, address=address, task_queue=task_queue, log_level="DEBUG"
    )
    processes.append(process)
    process.start()
    return process


async def pending_activities(handle: CycleHandle) -> list[PendingActivityInfo]:
    described = await handle.describe()
    return list(described.raw_description.pending_activities)


async def idle(handle: CycleHandle) -> bool:
    """No activity and no workflow task pending: the workflow waits on a timer."""
    raw = (await handle.describe()).raw_description
    return not raw.pending_activities and not raw.HasField("pending_workflow_task")


async def submit_until_taken(
    handle: CycleHandle, update: SubmitNominationsUpdate, *, update_id: str, within: float
) -> UpdateResult:
    """Submit, and send the same update again each time its call times out before a
    worker has taken it, for ``within`` seconds in all.

    While no worker runs, an update call only waits: it ends when its deadline passes
    (WorkflowUpdateRPCTimeoutOrCancelledError), and the next worker may take long to
    come up under load. The test used to bound the wait with asyncio.wait_for, whose
    cancellation surfaces as that same error, and failed so. A client does here what a
    person's would: send it again under the same update id. The server knows the
    update by its id (admitted, run and answered once), and the workflow derives its
    idempotency key from it, so nothing can be recorded twice; the test checks that.
    """
    give_up = time.monotonic() + within
    while True:
        try:
            return await handle.execute_update(
                CycleWorkflow.submit_nominations, update, id=update_id, rpc_timeout=UPDATE_CALL
            )
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # cancelled by the test itself: not a call that timed out
            if time.monotonic() > give_up:
                raise AssertionError(f"no worker took {update_id} in {within:.0f}s") from None


def assert_recorded_exactly_once(store: EventStore) -> None:
    facts = cycle_facts(store)
    assert_each_fact_once(facts)
    # Malaysia never submits: it is owed at every rung and when nominations close.
    assert all("nr:MY" in e.data["recipients"] for e in facts if e.type == "ReminderSent")
    assert escalations(facts) == ["deadline", "deadline+1s"]
    closed = [e.data["outstanding"] for e in facts if e.type == "StepCompleted"]
    assert "nr:MY" in closed[0]
    assert closed[1:] == [[], []]
    report = verify_store(store)
    assert report.ok, report.broken


def recorded_logs(worker: Process) -> list[dict[str, Any]]:
    """The activity's "recorded" lines (DEBUG) in the worker's JSON log."""
    lines = []
    for line in worker.log().splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict) and entry.get("event") == "recorded":
                lines.append(entry)
    return lines


async def test_a_killed_worker_loses_no_fact_and_repeats_none(
    dev_server: WorkflowEnvironment,
    store: EventStore,
    db_path: Path,
    unique: str,
    worker_processes: list[Process],
) -> None:
    task_queue, address = f"e2e-crash-{unique}", address_of(dev_server)
    first = new_worker(worker_processes, "worker-1", db_path, address, task_queue)
    await first.started()
    handle, plan = await start_cycle(dev_server, task_queue, unique)
    await wait_for_step(handle, NOMINATION_STEP)
    await handle.execute_update(CycleWorkflow.submit_nominations, nominate("SG", "Singapore"))
    # Kill between two facts, while the workflow waits for its reminder's timer.
    await eventually(lambda: idle(handle), what="the workflow to wait on its timer")
    recorded_before = [e.type for e in cycle_facts(store)]
    first.kill()

    # With no worker running, Thailand submits before the deadline, sealed with the time
    # ascn received it (as the services seal it): the call waits for a worker.
    sent_at = datetime.now(UTC)
    deadline = plan.steps[0].deadline
    assert sent_at < deadline
    on_time = Sealer(SEAL_KEYS, lambda: sent_at).seal(
        YEAR, "submit_nominations", nominate("TH", "Bangkok")
    )
    thailand = asyncio.create_task(
        submit_until_taken(handle, on_time, update_id=f"th-{unique}", within=120)
    )
    # Stay down until the reminder and both rungs of the ladder are due.
    last_rung = deadline + LADDER[-1].after + timedelta(milliseconds=500)
    await asyncio.sleep(max(0.0, (last_rung - datetime.now(UTC)).total_seconds()))
    assert not thailand.done()
    assert [e.type for e in cycle_facts(store)] == recorded_before

    taken_after = datetime.now(UTC)
    new_worker(worker_processes, "worker-2", db_path, address, task_queue)
    submitted = await thailand
    await wait_for_facts(store, lambda facts: len(escalations(facts)) == 2, what="escalations")
    await approve_each_step(handle, plan)
    await asyncio.wait_for(handle.result(), timeout=30)

    assert recorded_before == ["CycleOpened", "CyclePlanned", "StepOpened"]
    # Received before the deadline, taken by a worker only after it: it is judged by when
    # ascn received it, so it is on time (no LateSubmissionRecorded), recorded as of then.
    assert taken_after > deadline
    assert submitted.recorded == ("NominationsSubmitted",)
    (thai,) = store.read_stream(nominations_stream("TH"))
    assert (thai.type, thai.occurred_at) == ("NominationsSubmitted", sent_at)
    assert nomination_types(store, "SG") == ["NominationsSubmitted"]
    assert_recorded_exactly_once(store)


class FreezableRelay:
    """A TCP relay to the dev server that can stop passing the worker's bytes on.

    Frozen, whatever the worker sends is dropped: it still runs, but the server
    hears nothing more from it, e.g. that an activity has completed.
    """

    def __init__(self, target: str) -> None:
        host, _, port = target.rpartition(":")
        self._target = (host, int(port))
        self._frozen = False
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"127.0.0.1:{port}"

    def freeze(self) -> None:
        self._frozen = True

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers += [writer, upstream_writer]
        await asyncio.gather(
            self._pump(reader, upstream_writer, outbound=True),
            self._pump(upstream_reader, writer, outbound=False),
        )

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, outbound: bool
    ) -> None:
        try:
            while data := await source.read(65536):
                if outbound and self._frozen:
                    continue
                sink.write(data)
                await sink.drain()
        except OSError:
            pass
        finally:
            sink.close()


@contextlib.contextmanager
def write_lock(db_path: Path) -> Iterator[None]:
    """Hold SQLite's write lock: an append waits for it (busy timeout) inside its activity."""
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def test_a_fact_committed_by_a_worker_killed_before_it_reported_is_recorded_once(
    dev_server: WorkflowEnvironment,
    store: EventStore,
    db_path: Path,
    unique: str,
    worker_processes: list[Process],
) -> None:
    task_queue, address = f"e2e-crash-{unique}", address_of(dev_server)
    relay = FreezableRelay(address)
    try:
        first = new_worker(worker_processes, "worker-1", db_path, await relay.start(), task_queue)
        await first.started()
        handle, plan = await start_cycle(dev_server, task_queue, unique)
        await wait_for_step(handle, NOMINATION_STEP)
        await handle.execute_update(CycleWorkflow.submit_nominations, nominate("SG", "Singapore"))

        async def recording() -> PendingActivityInfo | None:
            started = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            return next(
                (a for a in await pending_activities(handle)
                 if a.activity_type.name == RECORD_FACT and a.state == started),
                None,
            )  # fmt: skip

        with write_lock(db_path):
            stuck = await eventually(recording, what="the reminder's activity to start")
            relay.freeze()
        # The lock is gone: the worker commits the reminder, and reports it to no one.
        await wait_for_facts(
            store, lambda facts: facts[-1].type == "ReminderSent", what="the reminder"
        )
        assert [a.activity_id for a in await pending_activities(handle)] == [stuck.activity_id]
        first.kill()
    finally:
        await relay.close()

    # The server would give up on this attempt after the activity's start-to-close
    # timeout (workflows.cycle.ACTIVITY_TIMEOUT, a minute) and retry it; failing it by id
    # now does the same, sooner.
    await dev_server.client.get_async_activity_handle(
        workflow_id=handle.id, run_id=None, activity_id=stuck.activity_id
    ).fail(ApplicationError("worker-1 was killed"))
    second = new_worker(worker_processes, "worker-2", db_path, address, task_queue)
    await wait_for_facts(store, lambda facts: len(escalations(facts)) == 2, what="escalations")
    await approve_each_step(handle, plan)
    await asyncio.wait_for(handle.result(), timeout=30)

    # The second attempt found the reminder already in the store and added nothing.
    assert [
        (entry["attempt"], entry["already_recorded"])
        for entry in recorded_logs(second)
        if entry["fact"] == "ReminderSent"
    ] == [(2, True)]
    reminders = [e for e in cycle_facts(store) if e.type == "ReminderSent"]
    assert reminders[0].data["recipients"] == ["nr:TH", "nr:MY"]
    assert_recorded_exactly_once(store)
