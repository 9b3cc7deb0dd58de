"""Deadlines, reminders and the escalation ladder, on the time-skipping server."""

from __future__ import annotations

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.streams import cycle_stream
from eventstore.store import EventStore
from services.sealing import Sealer
from tests.sealing import SEAL_KEYS
from tests.workflows.plans import CHAIR_TEAM, DAY, cycle_input, nominate, two_step_plan
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import ApproveStepUpdate, CycleStatus


async def start(
    env: WorkflowEnvironment, worker: Worker
) -> WorkflowHandle[CycleWorkflow, CycleStatus]:
    now = await env.get_current_time()
    return await env.client.start_workflow(
        CycleWorkflow.run,
        cycle_input(two_step_plan(now)),
        id=workflow_id(2018),
        task_queue=worker.task_queue,
    )


def facts(store: EventStore) -> list[tuple[str, dict[str, object]]]:
    return [(e.type, e.data) for e in store.read_stream(cycle_stream(2018))]


async def test_reminders_go_only_to_those_who_still_owe(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    await env.sleep(2 * DAY)
    await handle.execute_update(CycleWorkflow.submit_nominations, nominate("SG", "Singapore"))

    await env.sleep(18 * DAY)  # past T-14, T-7 and T-1
    reminders = [data for kind, data in facts(store) if kind == "ReminderSent"]

    assert [r["rung"] for r in reminders] == ["T-14", "T-7", "T-1"]
    assert all(r["recipients"] == ["nr:MY", "nr:MM"] for r in reminders)


async def test_the_ladder_escalates_until_the_chair_approves(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    await env.sleep(2 * DAY)
    await handle.execute_update(CycleWorkflow.submit_nominations, nominate("SG", "Singapore"))

    await env.sleep(40 * DAY)  # deadline + 20 days
    status = await handle.query(CycleWorkflow.status)
    escalations = [data for kind, data in facts(store) if kind == "StepEscalated"]

    assert [(e["rung"], e["escalated_to"]) for e in escalations] == [
        ("deadline", "shepherd:SG"),
        ("deadline+7d", "chair_of_ascn:nr:SG"),
        ("deadline+14d", "jcm_report"),
    ]
    assert escalations[0]["outstanding"] == ["nr:MY", "nr:MM"]
    assert status.current_step == "nomination_deadline"
    assert status.overdue == ("nr:MM", "nr:MY")

    await handle.execute_update(
        CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step="nomination_deadline")
    )
    await env.sleep(DAY)
    completed = [data for kind, data in facts(store) if kind == "StepCompleted"]
    assert completed == [
        {"year": 2018, "step": "nomination_deadline", "outstanding": ["nr:MY", "nr:MM"]}
    ]


async def test_a_step_that_opens_after_its_deadline_escalates_at_once(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    await env.sleep(45 * DAY)  # the annual meeting was due on day 40

    await handle.execute_update(
        CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step="nomination_deadline")
    )
    await env.sleep(DAY)

    meeting = [
        (kind, data.get("rung"))
        for kind, data in facts(store)
        if data.get("step") == "annual_meeting"
    ]
    # Its reminders are stale and skipped; the first rung of the ladder is not.
    assert meeting == [("StepOpened", None), ("StepEscalated", "deadline")]


async def test_the_time_ascn_received_a_submission_decides_lateness_never_a_claimed_sent_at(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    t0 = await env.get_current_time()
    await env.sleep(21 * DAY)  # the deadline (day 20) has passed; SG's arrived before it
    sealer = Sealer(SEAL_KEYS, lambda: t0)

    # Received by the services before the deadline, reaching the cycle after it (a worker
    # outage at the deadline): on time.
    on_time = sealer.seal(2018, "submit_nominations", nominate("SG", "Singapore"),
                          at=t0 + 19.5 * DAY)  # fmt: skip
    await handle.execute_update(CycleWorkflow.submit_nominations, on_time)
    # Received after the deadline, claiming to have been sent before it: late.
    backdated = nominate("MY", "Kuala Lumpur").model_copy(update={"sent_at": t0 + 2 * DAY})
    await handle.execute_update(CycleWorkflow.submit_nominations, backdated)

    recorded = [(e.stream_id, e.type) for e in store.iter_all() if "nominations" in e.stream_id]
    assert recorded == [
        ("nominations-SG", "NominationsSubmitted"),
        ("nominations-MY", "NominationsSubmitted"),
        ("nominations-MY", "LateSubmissionRecorded"),
    ]
