"""A seconds-scale cycle on the real dev server, with a worker writing into SQLite."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from temporalio.testing import WorkflowEnvironment

from domain.reference import ReferenceData
from eventstore.store import EventStore
from eventstore.verify import verify_store
from tests.e2e.conftest import (
    NOMINATION_STEP,
    approve_each_step,
    assert_each_fact_once,
    cycle_facts,
    cycle_input,
    escalations,
    fact_key,
    nomination_types,
    seconds_plan,
    wait_for_facts,
    wait_for_step,
)
from tests.sealing import SEAL_KEYS
from tests.workflows.plans import nominate
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow


async def test_a_cycle_runs_to_completion_on_the_dev_server(
    dev_server: WorkflowEnvironment, store: EventStore, unique: str
) -> None:
    client = dev_server.client
    task_queue = f"e2e-{unique}"
    plan = seconds_plan(datetime.now(UTC))
    with ThreadPoolExecutor(max_workers=8) as pool:
        worker = create_worker(
            client, store, ReferenceData.load(), task_queue=task_queue, executor=pool,
            max_concurrent_activities=8, seal_keys=SEAL_KEYS)  # fmt: skip
        async with worker:
            handle = await client.start_workflow(
                CycleWorkflow.run, cycle_input(plan), id=f"e2e-cycle-{unique}",
                task_queue=task_queue,
            )  # fmt: skip
            await wait_for_step(handle, NOMINATION_STEP)
            on_time = [
                await handle.execute_update(CycleWorkflow.submit_nominations, nominate(code, city))
                for code, city in (("SG", "Singapore"), ("TH", "Bangkok"))
            ]
            # Malaysia is late: the reminder and both rungs of the ladder go out for it.
            await wait_for_facts(
                store, lambda facts: escalations(facts) == ["deadline", "deadline+1s"],
                what="both escalations",
            )  # fmt: skip
            late = await handle.execute_update(
                CycleWorkflow.submit_nominations, nominate("MY", "Kuala Lumpur")
            )
            await approve_each_step(handle, plan)
            result = await asyncio.wait_for(handle.result(), timeout=30)
            status = await handle.query(CycleWorkflow.status)

    assert [r.recorded for r in on_time] == [("NominationsSubmitted",)] * 2
    assert late.recorded == ("NominationsSubmitted", "LateSubmissionRecorded")
    assert nomination_types(store, "SG") == ["NominationsSubmitted"]
    assert nomination_types(store, "MY") == ["NominationsSubmitted", "LateSubmissionRecorded"]

    facts = cycle_facts(store)
    assert [fact_key(e) for e in facts] == [
        ("CycleOpened", None, None, None),
        ("CyclePlanned", None, None, None),
        ("StepOpened", NOMINATION_STEP, None, None),
        ("ReminderSent", NOMINATION_STEP, "T-2s", None),
        ("StepEscalated", NOMINATION_STEP, "deadline", None),
        ("StepEscalated", NOMINATION_STEP, "deadline+1s", None),
        ("StepApproved", NOMINATION_STEP, None, None),
        ("StepCompleted", NOMINATION_STEP, None, None),
        ("StepOpened", "annual_meeting", None, None),
        ("StepApproved", "annual_meeting", None, None),
        ("StepCompleted", "annual_meeting", None, None),
        ("StepOpened", "jcm_submission", None, None),
        # Submitted by the Chair of the ASCN and the shepherd; the engine notes nothing.
        ("ReportSubmitted", "jcm_submission", None, "chair_of_ascn"),
        ("ReportSubmitted", "jcm_submission", None, "shepherd"),
        ("StepCompleted", "jcm_submission", None, None),
        ("CycleCompleted", None, None, None),
    ]
    assert_each_fact_once(facts)
    by_type = {e.type: e.data for e in facts}
    assert by_type["ReminderSent"]["recipients"] == ["nr:MY"]
    assert [e.data["escalated_to"] for e in facts if e.type == "StepEscalated"] == [
        f"shepherd:{plan.shepherd}",
        f"chair_of_ascn:nr:{plan.chair}",
    ]
    assert all(e.data["outstanding"] == ["nr:MY"] for e in facts if e.type == "StepEscalated")
    # Malaysia delivered before the approval, so the step closes with no one owing.
    assert [e.data["outstanding"] for e in facts if e.type == "StepCompleted"] == [[], [], []]
    assert [e.actor for e in facts if e.type == "StepApproved"] == ["chair_team:SG/alice"] * 2

    report = verify_store(store)
    assert report.ok, report.broken
    assert report.events_checked == len(facts) + 4  # and the nominations: SG, TH, MY (2)

    for final in (result, status):
        assert final.current_step is None
        assert final.overdue == ()
        assert [s.state for s in final.steps] == ["completed"] * 3
        assert [s.escalated for s in final.steps] == [("deadline", "deadline+1s"), (), ()]
