"""What recording every fact costs a cycle: recorded cycles against bare workflows.

Run: ``python -m benchmarks.cycle_overhead --cycles N``.

On one Temporal dev server, in alternating rounds (bare, recorded, bare, ...):

* recorded: N cycle workflows at once, each recording its facts into a fresh
  SQLite store (WAL, synchronous=FULL) through the real worker;
* bare: N ``BareCycle`` workflows (``benchmarks/bare_cycle.py``) that run as many
  activities as one recorded cycle (counted in its history), each doing nothing,
  and wait for the same approvals.

The driver approves each step as it opens (a refused approval is retried after a
short pause), the same way in both. Plans lie in the past: every step opens at
once, and every reminder and rung of the ladder predates it, so no timer runs and
the wall time is the workflows' own work. The figure that counts is the ratio of
the medians, recorded/bare; absolute times depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ascn.bootstrap import WORKER_THREADS
from ascn.embedded import dev_server_path
from ascn.logging import configure_logging
from ascn.settings import Settings
from benchmarks.bare_cycle import BareCycle, BareShape, noop
from domain.actors import Actor
from domain.calendar import CyclePlan, Owed, PlannedStep
from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore import migrate
from eventstore.engine import create_store_engine
from eventstore.store import EventStore
from eventstore.verify import verify_store
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow
from workflows.messages import ApproveStepUpdate, CycleInput

SEAL_KEYS = Settings().seal_keyring
TARGET = 1.3
RETRY_PAUSE = 0.01
FIRST_YEAR = 2100
CHAIR_TEAM = Actor(id="bench", role="chair_team")
REFERENCE = ReferenceData.load()
STEPS: tuple[tuple[str, Owed, str | None], ...] = (
    ("nomination_deadline", "member_states", None),
    ("scgw", "member_states", None),
    ("annual_meeting", "chair_of_ascn", None),
    ("jcm_submission", "chair_of_ascn", "JCM"),
    ("acc", "asec", "ACC"),
    ("summit", "chair_of_ascn", "ASEAN Summit"),
)


def past_plan(year: int, now: datetime) -> CyclePlan:
    """Every step is open already and due far ahead: no timer, reminder or escalation
    fires while the benchmark runs, so each cycle's activities are the same."""
    opens, due = now - timedelta(days=1), now + timedelta(days=60)
    return CyclePlan(
        year=year,
        template="benchmark",
        zone="Asia/Jakarta",
        chair="SG",
        shepherd="ID",
        member_states=tuple(m.code for m in REFERENCE.members_on(date(2018, 1, 1))),
        steps=tuple(
            PlannedStep(step=name, title=name, owed_by=owed, opens_at=opens, deadline=due,
                        noted_by=noted)
            for name, owed, noted in STEPS
        ),
    )  # fmt: skip


def bare_shape(plan: CyclePlan) -> BareShape:
    """Where a recorded cycle runs its activities, step by step.

    Before the first approval: load the ledgers, CycleOpened, StepOpened. Before each
    later one: the previous step's Noted (if noted) and StepCompleted, then StepOpened.
    At the end: the last step's Noted and StepCompleted, then CycleCompleted.
    """

    def closing(step: PlannedStep) -> int:
        return 2 if step.noted_by else 1

    before = (3, *(closing(step) + 1 for step in plan.steps[:-1]))
    return BareShape(before_each=before, after=closing(plan.steps[-1]) + 1)


def activities_of(shape: BareShape) -> int:
    return sum(shape.before_each) + len(shape.before_each) + shape.after


async def until_accepted(approve: Callable[[], Awaitable[object]]) -> None:
    """Approve as soon as the workflow accepts it: a refusal means "not open yet"."""
    while True:
        try:
            await approve()
            return
        except WorkflowUpdateFailedError:
            await asyncio.sleep(RETRY_PAUSE)


async def approve_step(handle: WorkflowHandle[CycleWorkflow, object], step: str) -> None:
    update = ApproveStepUpdate(actor=CHAIR_TEAM, step=step)
    await until_accepted(lambda: handle.execute_update(CycleWorkflow.approve_step, update))


async def approve_bare(handle: WorkflowHandle[BareCycle, int], index: int) -> None:
    await until_accepted(lambda: handle.execute_update(BareCycle.approve, index))


async def run_recorded(client: Client, plan: CyclePlan, workflow_id: str, queue: str) -> None:
    handle = await client.start_workflow(
        CycleWorkflow.run, CycleInput(plan=plan, reference=REFERENCE), id=workflow_id,
        task_queue=queue,
    )  # fmt: skip
    for step in plan.steps:
        await approve_step(handle, step.step)
    await handle.result()


async def run_bare(client: Client, shape: BareShape, workflow_id: str, queue: str) -> None:
    handle = await client.start_workflow(BareCycle.run, shape, id=workflow_id, task_queue=queue)
    for index in range(len(shape.before_each)):
        await approve_bare(handle, index)
    await handle.result()


@dataclass(frozen=True)
class Shape:
    activities: int
    approvals: int
    history_events: int
    bare: BareShape
    facts: int
    """Events one recorded cycle appends to its cycle stream."""


class Bench:
    def __init__(self, client: Client, folder: Path) -> None:
        self.client = client
        self.folder = folder
        self.run_id = uuid.uuid4().hex[:6]

    async def recorded(self, label: str, cycles: int) -> tuple[float, EventStore]:
        """Seconds for ``cycles`` recorded cycles at once, and the store they wrote."""
        engine = create_store_engine(f"sqlite:///{self.folder / label}.db")
        migrate.upgrade(engine)
        store = EventStore(engine)
        queue = f"bench-{self.run_id}-{label}"
        now = datetime.now(UTC)
        plans = [past_plan(FIRST_YEAR + i, now) for i in range(cycles)]
        with ThreadPoolExecutor(max_workers=WORKER_THREADS) as pool:
            worker = create_worker(
                self.client, store, REFERENCE, task_queue=queue, executor=pool,
                max_concurrent_activities=WORKER_THREADS, seal_keys=SEAL_KEYS)  # fmt: skip
            async with worker:
                started = time.perf_counter()
                await asyncio.gather(
                    *(run_recorded(self.client, plan, f"{queue}-{i}", queue)
                      for i, plan in enumerate(plans))
                )  # fmt: skip
                elapsed = time.perf_counter() - started
        return elapsed, store

    async def bare(self, label: str, shape: BareShape, cycles: int) -> float:
        queue = f"bench-{self.run_id}-{label}"
        with ThreadPoolExecutor(max_workers=WORKER_THREADS) as pool:
            worker = Worker(
                self.client, task_queue=queue, workflows=[BareCycle], activities=[noop],
                activity_executor=pool, max_concurrent_activities=WORKER_THREADS,
            )  # fmt: skip
            async with worker:
                started = time.perf_counter()
                await asyncio.gather(
                    *(run_bare(self.client, shape, f"{queue}-{i}", queue) for i in range(cycles))
                )
                elapsed = time.perf_counter() - started
        return elapsed

    async def shape(self) -> Shape:
        """One recorded cycle (also a warm-up): what it ran, per its history."""
        _, store = await self.recorded("shape", 1)
        queue = f"bench-{self.run_id}-shape"
        history = await self.client.get_workflow_handle(f"{queue}-0").fetch_history()
        scheduled = sum(
            1 for e in history.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        )  # fmt: skip
        approvals = sum(
            1 for e in history.events
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        )  # fmt: skip
        bare = bare_shape(past_plan(FIRST_YEAR, datetime.now(UTC)))
        if activities_of(bare) != scheduled or approvals != len(bare.before_each):
            raise SystemExit(
                f"a recorded cycle ran {scheduled} activities and {approvals} approvals; "
                f"the bare shape {bare} would run {activities_of(bare)} and "
                f"{len(bare.before_each)}: update bare_shape"
            )
        facts = len(store.read_stream(cycle_stream(FIRST_YEAR)))
        store.engine.dispose()
        return Shape(scheduled, approvals, len(history.events), bare, facts)

    async def bare_history_length(self, label: str) -> int:
        history = await self.client.get_workflow_handle(
            f"bench-{self.run_id}-{label}-0"
        ).fetch_history()
        return len(history.events)


def check_store(store: EventStore, cycles: int, facts: int) -> None:
    """Every cycle recorded all its facts, once, with intact hash chains."""
    report = verify_store(store)
    recorded = [len(store.read_stream(cycle_stream(FIRST_YEAR + i))) for i in range(cycles)]
    store.engine.dispose()
    if not report.ok or recorded != [facts] * cycles:
        raise SystemExit(f"the recorded run is wrong: {report.broken}, facts per cycle {recorded}")


async def bench(cycles: int, rounds: int) -> None:
    configure_logging(level="WARNING", fmt="console")
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        data_converter=pydantic_data_converter,
        ip="127.0.0.1",
        dev_server_log_level="error",
    ) as env:
        with tempfile.TemporaryDirectory(prefix="ascn-bench-") as tmp:
            run = Bench(env.client, Path(tmp))
            shape = await run.shape()
            await run.bare("warmup", shape.bare, 1)
            bare_history = await run.bare_history_length("warmup")
            print(
                f"{cycles} concurrent cycles of {len(STEPS)} steps; each runs "
                f"{shape.activities} activities and {shape.approvals} approvals "
                f"and records {shape.facts} facts"
            )
            print(
                f"history of one recorded cycle: {shape.history_events} events "
                f"(bare: {bare_history})"
            )
            bare_times: list[float] = []
            recorded_times: list[float] = []
            print(f"{'round':>5} {'bare s':>8} {'recorded s':>11} {'ratio':>6}")
            for number in range(1, rounds + 1):
                bare_times.append(await run.bare(f"bare-{number}", shape.bare, cycles))
                elapsed, store = await run.recorded(f"recorded-{number}", cycles)
                check_store(store, cycles, shape.facts)
                recorded_times.append(elapsed)
                row = (bare_times[-1], recorded_times[-1], recorded_times[-1] / bare_times[-1])
                print(f"{number:>5} {row[0]:>8.2f} {row[1]:>11.2f} {row[2]:>6.2f}")
            bare_median = statistics.median(bare_times)
            recorded_median = statistics.median(recorded_times)
            ratio = recorded_median / bare_median
            print(f"{'median':>5} {bare_median:>8.2f} {recorded_median:>11.2f} {ratio:>6.2f}")
            verdict = "ok" if ratio <= TARGET else "ABOVE TARGET"
            print(f"recorded/bare (medians): {ratio:.2f}, target <= {TARGET}: {verdict}")
            per_second = cycles * shape.activities / recorded_median
            print(
                f"recorded: {per_second:.0f} activities/s, {cycles / recorded_median:.2f} cycles/s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20, help="concurrent cycles per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each kind")
    args = parser.parse_args()
    asyncio.run(bench(args.cycles, args.rounds))


if __name__ == "__main__":
    main()
