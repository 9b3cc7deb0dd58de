"""The chain as people record it, on the time-skipping server: the JCM submission waits
for its second submitter, a deferral reopens a step with its escalations re-armed, and
the engine writes no decision by itself."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.calendar import CyclePlan, PlannedStep
from domain.streams import cycle_stream
from eventstore.store import EventStore
from tests.workflows.plans import CHAIR_TEAM, DAY, cycle_input, start_cycle
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    CycleStatus,
    RecordDecisionUpdate,
    SubmitProgressReviewUpdate,
    SubmitReportUpdate,
)

Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
CHAIR_OF_ASCN = Actor.nr("SG", "nr-sg")
SHEPHERD = Actor.shepherd("SG", "sg-shepherd")
ASEC = Actor(id="imd", role="asec")


def chain_plan(now: datetime) -> CyclePlan:
    """The JCM submission (days 1 to 20), then the ACC (30 to 40), in 2018 (Chair and
    shepherd SG)."""
    return CyclePlan(
        year=2018, template="test", zone="Asia/Singapore", chair="SG", shepherd="SG",
        member_states=("SG", "MY"),
        steps=(
            PlannedStep(step="jcm_submission", title="Report to the JCM", owed_by="chair_of_ascn",
                        opens_at=now + DAY, deadline=now + 20 * DAY, noted_by="JCM"),
            PlannedStep(step="acc", title="ACC", owed_by="asec", opens_at=now + 30 * DAY,
                        deadline=now + 40 * DAY, noted_by="ACC"),
        ),
    )  # fmt: skip


def decision(body: str, decided: str, **more: object) -> RecordDecisionUpdate:
    fields: dict[str, object] = {
        "actor": CHAIR_TEAM, "step": "acc", "body": body, "decision": decided,
        "decided_on": date(2018, 11, 12), "meeting": "21st ACC",
        "concerning": "ASCN report 2018, v1",
    }  # fmt: skip
    return RecordDecisionUpdate.model_validate({**fields, **more})


def facts(store: EventStore, *types: str) -> list[tuple[str, dict[str, object]]]:
    return [(e.type, e.data) for e in store.read_stream(cycle_stream(2018)) if e.type in types]


async def refusal(handle: Handle, update: RecordDecisionUpdate) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(CycleWorkflow.record_decision, update)
    return str(raised.value.cause)


async def test_the_jcm_submission_waits_for_its_second_submitter(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, _ = await start_cycle(env, worker, chain_plan)

    await handle.execute_update(
        CycleWorkflow.submit_report, SubmitReportUpdate(actor=CHAIR_OF_ASCN)
    )
    await env.sleep(DAY)

    status = await handle.query(CycleWorkflow.status)
    step = status.steps[0]
    assert (step.state, step.owed_by, step.waiting_for) == (
        "open",
        ("shepherd:SG",),
        "waiting for the shepherd",
    )
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(
            CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step="jcm_submission")
        )
    assert "waiting for: shepherd" in str(raised.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as again:
        await handle.execute_update(
            CycleWorkflow.submit_report, SubmitReportUpdate(actor=CHAIR_OF_ASCN)
        )
    assert "the Chair of the ASCN has already submitted" in str(again.value.cause)

    await handle.execute_update(CycleWorkflow.submit_report, SubmitReportUpdate(actor=SHEPHERD))
    await env.sleep(DAY)

    status = await handle.query(CycleWorkflow.status)
    assert status.steps[0].state == "completed"
    assert [(t, d["submitter"]) for t, d in facts(store, "ReportSubmitted")] == [
        ("ReportSubmitted", "chair_of_ascn"),
        ("ReportSubmitted", "shepherd"),
    ]
    assert facts(store, "Noted") == []  # the engine writes no decision by itself


async def test_an_nr_who_is_not_the_chair_of_the_ascn_cannot_submit(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, _ = await start_cycle(env, worker, chain_plan)
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(
            CycleWorkflow.submit_report, SubmitReportUpdate(actor=Actor.nr("MY", "nr-my"))
        )
    assert "only the Chair of the ASCN (nr:SG) and the shepherd" in str(raised.value.cause)
    assert facts(store, "ReportSubmitted") == []


async def test_a_deferral_reopens_the_step_and_re_arms_its_escalations(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker, chain_plan)
    for submitter in (CHAIR_OF_ASCN, SHEPHERD):
        await handle.execute_update(
            CycleWorkflow.submit_report, SubmitReportUpdate(actor=submitter)
        )
    await env.sleep(40 * DAY)  # day 42: the ACC's deadline (day 40) passed: escalated

    new_deadline = t0 + 55 * DAY
    await handle.execute_update(
        CycleWorkflow.record_decision, decision("ACC", "deferred", new_deadline=new_deadline)
    )
    status = await handle.query(CycleWorkflow.status)
    acc = status.steps[1]
    assert (acc.state, acc.deadline, acc.escalated) == ("open", new_deadline, ())

    await env.sleep(15 * DAY)  # day 57: past the new deadline
    escalations = [(d["rung"], d["escalated_to"]) for _, d in facts(store, "StepEscalated")]
    assert escalations == [("deadline", "shepherd:SG"), ("deadline", "shepherd:SG")]
    reminders = [d["rung"] for _, d in facts(store, "ReminderSent") if d["step"] == "acc"]
    assert reminders.count("T-7") == 2  # one for each deadline

    await handle.execute_update(CycleWorkflow.record_decision, decision("ACC", "noted"))
    await env.sleep(DAY)

    status = await handle.query(CycleWorkflow.status)
    assert status.steps[1].state == "completed"
    recorded = facts(store, "BodyDecisionRecorded", "StepReopened", "StepCompleted", "Noted")
    assert [(t, d.get("decision")) for t, d in recorded] == [
        ("StepCompleted", None), ("BodyDecisionRecorded", "deferred"),
        ("StepReopened", "deferred"), ("BodyDecisionRecorded", "noted"), ("StepCompleted", None),
    ]  # fmt: skip


async def test_another_bodys_decision_is_recorded_without_settling_the_step(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, _ = await start_cycle(env, worker, chain_plan)
    sectoral = "ASEAN Working Group on Environmentally Sustainable Cities"
    await handle.execute_update(
        CycleWorkflow.record_decision,
        decision(sectoral, "noted", step="jcm_submission", actor=ASEC),
    )
    status = await handle.query(CycleWorkflow.status)
    assert status.steps[0].state == "open"
    ((_, data),) = facts(store, "BodyDecisionRecorded")
    assert (data["body"], data["decision"], data["reference_version"]) == (sectoral, "noted", 0)


async def test_refused_decisions_name_the_field_and_record_nothing(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker, chain_plan)
    await env.sleep(30 * DAY)  # the ACC step is still pending behind the JCM submission

    on_jcm = {"step": "jcm_submission"}
    cases = [
        (decision("ACC", "noted"), "step: acc has not opened yet"),
        (decision("Politburo", "noted", **on_jcm), "body: 'Politburo' does not receive"),
        (decision("JCM", "noted", decided_on=date(2016, 1, 1), **on_jcm), "decided_on: 2016-01-01"),
        (decision("JCM", "deferred", **on_jcm), "new_deadline: a decision deferred"),
        (decision("JCM", "noted", new_deadline=t0 + 60 * DAY, **on_jcm),
         "new_deadline: only a deferral"),
        (decision("ACC", "deferred", new_deadline=t0 + 60 * DAY, **on_jcm), "body: only JCM"),
        (decision("JCM", "deferred", new_deadline=t0 + DAY, **on_jcm), "new_deadline"),
        (decision("JCM", "noted", meeting=" ", **on_jcm), "meeting: must not be empty"),
        (decision("JCM", "noted", document_sha256="not-a-digest", **on_jcm), "document_sha256"),
    ]  # fmt: skip
    for update, expected in cases:
        assert expected in await refusal(handle, update), expected
    asec_owes_nothing_here = decision("JCM", "noted", actor=Actor.nr("MY", "nr-my"), **on_jcm)
    assert "may not record a body's decision" in await refusal(handle, asec_owes_nothing_here)
    assert facts(store, "BodyDecisionRecorded", "StepReopened") == []


async def test_asec_settles_the_progress_review_by_submitting_it(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    now = await env.get_current_time()
    plan = CyclePlan(
        year=2018, template="test", zone="Asia/Singapore", chair="SG", shepherd="SG",
        member_states=("SG",),
        steps=(PlannedStep(step="progress_review", title="Progress review", owed_by="asec",
                           opens_at=now + DAY, deadline=now + 20 * DAY),),
    )  # fmt: skip
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(plan), id=workflow_id(2018), task_queue=worker.task_queue
    )
    await env.sleep(2 * DAY)
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(
            CycleWorkflow.approve_step, ApproveStepUpdate(actor=ASEC, step="progress_review")
        )
    assert "settled when ASEC submits it" in str(raised.value.cause)

    await handle.execute_update(
        CycleWorkflow.submit_progress_review, SubmitProgressReviewUpdate(actor=ASEC)
    )
    await handle.result()

    assert [t for t, _ in facts(store, "ProgressReviewSubmitted", "StepCompleted")] == [
        "ProgressReviewSubmitted",
        "StepCompleted",
    ]
