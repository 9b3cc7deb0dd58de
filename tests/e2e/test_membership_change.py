"""A membership change made while a cycle runs is seen by that cycle, on the dev server:
Timor-Leste's NR proposes a candidature city, the Chair's team accepts it, and the NR
nominates it with Dili in the same cycle; the nomination records the version it used."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from domain.actors import Actor
from domain.membership import MEMBERSHIP_STREAM
from domain.reference import ReferenceData
from eventstore.store import EventStore
from tests.e2e.conftest import NOMINATION_STEP, cycle_input, seconds_plan, wait_for_step
from tests.sealing import SEAL_KEYS
from tests.workflows.plans import nominate
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow
from workflows.messages import DecideCityUpdate, ProposeCityUpdate

NR_TL = Actor.nr("TL", "nr-tl")


async def test_a_running_cycle_sees_a_city_accepted_after_it_started(
    dev_server: WorkflowEnvironment, store: EventStore, unique: str
) -> None:
    client = dev_server.client
    task_queue = f"e2e-{unique}"
    plan = seconds_plan(datetime.now(UTC), deadline_in=600)
    plan = plan.model_copy(update={"member_states": (*plan.member_states, "TL")})
    chair_team = Actor.chair_team(plan.chair, "chair-team")
    with ThreadPoolExecutor(max_workers=8) as pool:
        worker = create_worker(
            client, store, ReferenceData.load(), task_queue=task_queue, executor=pool,
            max_concurrent_activities=8, seal_keys=SEAL_KEYS)  # fmt: skip
        async with worker:
            handle = await client.start_workflow(
                CycleWorkflow.run, cycle_input(plan), id=f"e2e-cycle-{unique}",
                task_queue=task_queue, execution_timeout=timedelta(minutes=5),
            )  # fmt: skip
            await wait_for_step(handle, NOMINATION_STEP)
            before = await handle.query(CycleWorkflow.status)
            await handle.execute_update(
                CycleWorkflow.propose_city,
                ProposeCityUpdate(actor=NR_TL, member_state="TL", city="Baucau"),
            )
            await handle.execute_update(
                CycleWorkflow.decide_city,
                DecideCityUpdate(actor=chair_team, member_state="TL", city="Baucau",
                                 decision="accepted"),
            )  # fmt: skip
            nominated = await handle.execute_update(
                CycleWorkflow.submit_nominations, nominate("TL", "Dili", "Baucau", by=NR_TL)
            )
            after = await handle.query(CycleWorkflow.status)
            await handle.terminate("the test is over")

    assert (before.reference_version, after.reference_version) == (0, 2)
    assert nominated.recorded == ("NominationsSubmitted",)
    (submitted,) = store.read_stream("nominations-TL")
    assert [c["city"] for c in submitted.data["cities"]] == ["Dili", "Baucau"]
    assert submitted.data["reference_version"] == 2
    assert [e.type for e in store.read_stream(MEMBERSHIP_STREAM)] == ["CityProposed",
                                                                       "CityDecided"]  # fmt: skip
