"""The report's versions through a cycle, on the time-skipping server: ASEC drafts and
submits a version, the JCM submission names the latest (a new version needs a new
submission), and the decisions after it name the submitted version's SHA-256."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.calendar import CyclePlan, PlannedStep
from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore.records import NewEvent
from eventstore.store import AppendResult, EventStore
from tests.sealing import SEAL_KEYS
from tests.workflows.plans import CHAIR_TEAM, DAY, cycle_input
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    CycleStatus,
    DraftReportUpdate,
    DraftSection,
    RecordDecisionUpdate,
    SealedUpdate,
    SubmitReportDraftUpdate,
    SubmitReportUpdate,
    UpdateResult,
    WaiveStepUpdate,
)

Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
CHAIR_OF_ASCN = Actor.nr("SG", "nr-sg")
SHEPHERD = Actor.shepherd("SG", "sg-shepherd")
ASEC = Actor(id="imd", role="asec")
V1, V2, V3 = "1" * 64, "2" * 64, "3" * 64


def versions_plan(now: datetime) -> CyclePlan:
    """ASEC's draft (days 1 to 20), the JCM submission (then to day 40), the ACC (50 to
    60), in 2018 (Chair and shepherd SG)."""
    return CyclePlan(
        year=2018, template="test", zone="Asia/Singapore", chair="SG", shepherd="SG",
        member_states=("SG", "MY"),
        steps=(
            PlannedStep(step="report_draft", title="ASEC drafts the report", owed_by="asec",
                        opens_at=now + DAY, deadline=now + 20 * DAY),
            PlannedStep(step="jcm_submission", title="Report to the JCM", owed_by="chair_of_ascn",
                        opens_at=now + DAY, deadline=now + 40 * DAY, noted_by="JCM"),
            PlannedStep(step="acc", title="ACC", owed_by="asec", opens_at=now + 50 * DAY,
                        deadline=now + 60 * DAY, noted_by="ACC"),
        ),
    )  # fmt: skip


async def start(env: WorkflowEnvironment, worker: Worker, *, open_days: int = 2) -> Handle:
    now = await env.get_current_time()
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(versions_plan(now)), id=workflow_id(2018),
        task_queue=worker.task_queue,
    )  # fmt: skip
    await env.sleep(open_days * DAY)
    return handle


def draft(sha: str, *, as_of: int = 5, **more: Any) -> DraftReportUpdate:
    narrative = (DraftSection(heading="Foreword", text="The first year of the ASCN."),)
    fields: dict[str, Any] = {"actor": ASEC, "narrative": narrative, "as_of_position": as_of,
                              "document_sha256": sha}  # fmt: skip
    return DraftReportUpdate.model_validate({**fields, **more})


def decision(step: str, body: str, decided: str = "noted", **more: Any) -> RecordDecisionUpdate:
    fields: dict[str, Any] = {
        "actor": CHAIR_TEAM, "step": step, "body": body, "decision": decided,
        "decided_on": date(2018, 11, 9), "meeting": f"{body} meeting",
        "concerning": "ASCN report 2018",
    }  # fmt: skip
    return RecordDecisionUpdate.model_validate({**fields, **more})


UPDATES = {
    DraftReportUpdate: "draft_report", SubmitReportDraftUpdate: "submit_report_draft",
    SubmitReportUpdate: "submit_report", RecordDecisionUpdate: "record_decision",
    ApproveStepUpdate: "approve_step", WaiveStepUpdate: "waive_step",
}  # fmt: skip


async def send(handle: Handle, update: SealedUpdate) -> UpdateResult:
    result: UpdateResult = await handle.execute_update(
        UPDATES[type(update)], update, result_type=UpdateResult
    )
    return result


async def refusal(handle: Handle, update: SealedUpdate) -> str:
    """The cycle's own words, as the services pass them on."""
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await send(handle, update)
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.message


def facts(store: EventStore, *types: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type, e.data) for e in store.read_stream(cycle_stream(2018)) if e.type in types]


async def test_drafting_waits_for_report_draft_to_open(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker, open_days=0)

    assert "report_draft has not opened yet" in await refusal(handle, draft(V1))
    await env.sleep(2 * DAY)
    drafted = await send(handle, draft(V1))

    assert (drafted.recorded, drafted.version, drafted.document_sha256) == (
        ("ReportDrafted",), 1, V1,
    )  # fmt: skip
    ((_, data),) = facts(store, "ReportDrafted")
    assert (data["version"], data["as_of_position"], data["document_sha256"]) == (1, 5, V1)
    assert data["narrative"] == [{"heading": "Foreword", "text": "The first year of the ASCN."}]


async def test_asec_submits_a_version_to_settle_the_step_and_no_one_approves_it(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)

    no_version = await refusal(handle, SubmitReportDraftUpdate(actor=ASEC))
    approving = await refusal(handle, ApproveStepUpdate(actor=CHAIR_TEAM, step="report_draft"))
    not_asec = await refusal(handle, draft(V1, actor=CHAIR_OF_ASCN))
    await send(handle, draft(V1))
    await send(handle, draft(V2, as_of=9))
    submitted = await send(handle, SubmitReportDraftUpdate(actor=ASEC))
    await env.sleep(DAY)

    assert no_version == (
        "report_draft: ASEC has drafted no version of the 2018 report yet; draft one, then "
        "submit it"
    )
    assert "settled when ASEC submits a version of the report" in approving
    assert "nr:SG/nr-sg may not draft the annual report" in not_asec
    assert (submitted.version, submitted.document_sha256) == (2, V2)
    status = await handle.query(CycleWorkflow.status)
    assert [s.state for s in status.steps[:2]] == ["completed", "open"]
    assert status.report is not None
    kept = [(v.version, v.document_sha256, v.as_of_position, v.drafted_by)
            for v in status.report.versions]  # fmt: skip
    assert kept == [(1, V1, 5, "asec/imd"), (2, V2, 9, "asec/imd")]
    assert status.report.draft_submitted == 2
    assert status.steps[1].waiting_for == (
        "waiting for the Chair of the ASCN and the shepherd to submit version 2"
    )
    ((_, data),) = facts(store, "ReportDraftSubmitted")
    assert (data["step"], data["version"], data["document_sha256"]) == ("report_draft", 2, V2)


async def test_a_new_version_needs_a_new_submission(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    await send(handle, draft(V1))
    await send(handle, SubmitReportDraftUpdate(actor=ASEC))
    await env.sleep(DAY)

    first = await send(handle, SubmitReportUpdate(actor=CHAIR_OF_ASCN))
    v2 = await send(handle, draft(V2, as_of=12))
    status = await handle.query(CycleWorkflow.status)
    report = status.report
    assert report is not None
    assert (report.submitted_by, report.still_to_submit) == ((), ("nr:SG", "shepherd:SG"))
    assert report.note is not None
    assert "voided the submissions of version 1" in report.note

    for submitter in (SHEPHERD, CHAIR_OF_ASCN):
        await send(handle, SubmitReportUpdate(actor=submitter))
    await env.sleep(DAY)

    assert (first.version, first.document_sha256) == (1, V1)
    assert first.note == "waiting for the shepherd to submit version 1"
    assert v2.version == 2
    assert v2.note == (
        "the submission to the JCM by the Chair of the ASCN named an older version and no "
        "longer stands: the Chair of the ASCN and the shepherd both submit version 2"
    )
    submitted = [(d["submitter"], d["version"], d["document_sha256"])
                 for _, d in facts(store, "ReportSubmitted")]  # fmt: skip
    assert submitted == [("chair_of_ascn", 1, V1), ("shepherd", 2, V2), ("chair_of_ascn", 2, V2)]
    status = await handle.query(CycleWorkflow.status)
    assert status.steps[1].state == "completed"
    assert status.report is not None
    assert (status.report.submitted_to_jcm, status.report.still_to_submit) == (2, ())
    frozen = await refusal(handle, draft(V3))
    assert frozen.startswith("the report is frozen: jcm_submission is already")


async def test_a_draft_computed_as_the_latest_version_to_its_digest_is_refused(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    await send(handle, draft(V1))

    repeat = await refusal(handle, draft(V2, as_of=12, version=2, digest_as_latest=V1))
    changed = await send(handle, draft(V2, as_of=12, version=2, digest_as_latest=V3))

    assert repeat.startswith("version 1 already has this narrative and figures")
    assert changed.version == 2
    assert [d["version"] for _, d in facts(store, "ReportDrafted")] == [1, 2]


async def test_a_jcm_submission_with_no_version_is_refused(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    await send(handle, WaiveStepUpdate(actor=CHAIR_TEAM, step="report_draft", reason="late"))
    await env.sleep(DAY)

    refused = await refusal(handle, SubmitReportUpdate(actor=CHAIR_OF_ASCN))
    await send(handle, draft(V1))  # the step was waived: ASEC may still draft
    accepted = await send(handle, SubmitReportUpdate(actor=CHAIR_OF_ASCN))

    assert (
        refused == "jcm_submission needs a submitted version of the report: ASEC has drafted none"
    )
    assert accepted.version == 1
    assert [d["version"] for _, d in facts(store, "ReportSubmitted")] == [1]


async def test_decisions_default_to_and_require_the_submitted_digest(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    await send(handle, draft(V1))
    await send(handle, draft(V2))
    await send(handle, SubmitReportDraftUpdate(actor=ASEC))
    await env.sleep(DAY)
    before = await refusal(handle, decision("jcm_submission", "JCM", document_sha256=V2))
    for submitter in (CHAIR_OF_ASCN, SHEPHERD):
        await send(handle, SubmitReportUpdate(actor=submitter))
    await env.sleep(60 * DAY)  # the ACC step is open

    await send(handle, decision("jcm_submission", "JCM"))
    wrong = await refusal(handle, decision("acc", "ACC", document_sha256=V1))
    unknown = await refusal(handle, decision("acc", "ACC", document_sha256="f" * 64))
    await send(handle, decision("acc", "ACC", document_sha256=V2))

    assert "no version of the report has been submitted to the JCM yet" in before
    assert wrong == (
        f"document_sha256: {V1} is version 1, not the report submitted to the JCM, version 2 "
        f"(sha256 {V2}); a decision on acc names the submitted version"
    )
    assert f"{'f' * 64} is no version of the report" in unknown
    decided = [(d["step"], d["document_sha256"]) for _, d in facts(store, "BodyDecisionRecorded")]
    assert decided == [("jcm_submission", V2), ("acc", V2)]


async def test_a_return_for_revision_needs_a_new_draft_then_both_submissions(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle = await start(env, worker)
    await send(handle, draft(V1))
    await send(handle, SubmitReportDraftUpdate(actor=ASEC))
    await env.sleep(DAY)
    await send(handle, SubmitReportUpdate(actor=CHAIR_OF_ASCN))

    new_deadline = await env.get_current_time() + 45 * DAY  # after its deadline (day 40)
    returned = await send(handle, decision("jcm_submission", "JCM", "returned_for_revision",
                                           new_deadline=new_deadline))  # fmt: skip
    again = await refusal(handle, SubmitReportUpdate(actor=CHAIR_OF_ASCN))
    await send(handle, draft(V2))
    for submitter in (CHAIR_OF_ASCN, SHEPHERD):
        await send(handle, SubmitReportUpdate(actor=submitter))
    await env.sleep(DAY)

    assert returned.recorded == ("BodyDecisionRecorded", "StepReopened")
    assert again == (
        "jcm_submission: the JCM returned version 1 for revision; ASEC drafts a new version "
        "before the report is submitted again"
    )
    ((_, data),) = facts(store, "BodyDecisionRecorded")
    assert data["document_sha256"] == V1  # the version it returned
    status = await handle.query(CycleWorkflow.status)
    assert status.steps[1].state == "completed"
    assert [d["version"] for _, d in facts(store, "ReportSubmitted")] == [1, 2, 2]


async def test_the_same_draft_sent_at_once_is_recorded_once(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    """Ten copies of one draft, each computed as version 1: the first handler to take the
    lock records it, and each other copy finds version 1 taken."""
    handle = await start(env, worker)

    outcomes = await asyncio.gather(
        *(send(handle, draft(V1, version=1)) for _ in range(10)), return_exceptions=True
    )

    accepted = [o for o in outcomes if isinstance(o, UpdateResult)]
    refused = [o for o in outcomes if isinstance(o, WorkflowUpdateFailedError)]
    assert ([a.version for a in accepted], len(refused)) == ([1], 9)
    for failure in refused:
        assert isinstance(failure.cause, ApplicationError)
        assert "computed as version 1, but the report's next version is 2" in failure.cause.message
    assert len(facts(store, "ReportDrafted")) == 1


async def test_a_jcm_submission_naming_an_overtaken_version_is_refused_unrecorded(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    """The submitter read version 1; ASEC drafted version 2 before the submission reached
    the cycle. The cycle refuses it, naming both, and records nothing: the submitter
    never sends a version it did not read."""
    handle = await start(env, worker)
    await send(handle, draft(V1))
    await send(handle, SubmitReportDraftUpdate(actor=ASEC))
    await env.sleep(DAY)
    await send(handle, draft(V2))

    stale = await refusal(handle, SubmitReportUpdate(actor=SHEPHERD, version=1))
    unknown = await refusal(handle, SubmitReportUpdate(actor=SHEPHERD, version=3))
    status = await handle.query(CycleWorkflow.status)
    assert status.report is not None
    assert (status.report.submitted_by, status.report.still_to_submit) == (
        (), ("nr:SG", "shepherd:SG"),
    )  # fmt: skip
    assert facts(store, "ReportSubmitted") == []
    read = await send(handle, SubmitReportUpdate(actor=SHEPHERD, version=2))

    assert stale == (
        f"version: the submission names version 1, but the latest is now version 2 (sha256 "
        f"{V2}), drafted since; read version 2, then submit it"
    )
    assert unknown == (
        f"version: the submission names version 3, which ASEC has not drafted; the latest "
        f"is version 2 (sha256 {V2})"
    )
    assert (read.version, read.document_sha256) == (2, V2)
    assert [(d["submitter"], d["version"]) for _, d in facts(store, "ReportSubmitted")] == [
        ("shepherd", 2)
    ]


async def test_asec_submitting_an_overtaken_version_is_refused_unrecorded(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    """ASEC read version 1; another draft (version 2) was recorded before ASEC's
    submission reached the cycle. The cycle refuses it, naming both, and records
    nothing: report_draft is not settled by a version ASEC did not read."""
    handle = await start(env, worker)
    await send(handle, draft(V1))
    await send(handle, draft(V2))

    stale = await refusal(handle, SubmitReportDraftUpdate(actor=ASEC, version=1))
    unknown = await refusal(handle, SubmitReportDraftUpdate(actor=ASEC, version=3))
    status = await handle.query(CycleWorkflow.status)
    assert status.report is not None
    assert status.report.draft_submitted is None
    assert status.steps[0].state == "open"
    assert facts(store, "ReportDraftSubmitted") == []
    read = await send(handle, SubmitReportDraftUpdate(actor=ASEC, version=2))

    assert stale == (
        f"version: the submission names version 1, but the latest is now version 2 (sha256 "
        f"{V2}), drafted since; read version 2, then submit it"
    )
    assert unknown == (
        f"version: the submission names version 3, which ASEC has not drafted; the latest "
        f"is version 2 (sha256 {V2})"
    )
    assert (read.version, read.document_sha256) == (2, V2)
    assert [(d["version"], d["document_sha256"])
            for _, d in facts(store, "ReportDraftSubmitted")] == [(2, V2)]  # fmt: skip


class GatedStore(EventStore):
    """Holds the append of a ``StepWaived`` until ``opened``: its handler keeps the
    cycle's lock meanwhile, and the commands behind it pass their validators first."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.opened = threading.Event()

    def append(
        self, stream_id: str, new_events: Sequence[NewEvent], *, expected_version: int | None
    ) -> AppendResult:
        if any(e.type == "StepWaived" for e in new_events):
            self.opened.wait(timeout=30)
        return super().append(stream_id, new_events, expected_version=expected_version)


@pytest.fixture
def gated(engine: Engine) -> GatedStore:
    return GatedStore(engine)


@pytest.fixture
async def gated_worker(
    env: WorkflowEnvironment, gated: GatedStore, executor: ThreadPoolExecutor, task_queue: str
) -> AsyncIterator[Worker]:
    worker = create_worker(
        env.client, gated, ReferenceData.load(), task_queue=task_queue,
        executor=executor, max_concurrent_activities=8, seal_keys=SEAL_KEYS,
    )  # fmt: skip
    async with worker:
        yield worker


async def test_a_draft_recorded_after_asecs_submission_was_admitted_is_caught_under_the_lock(
    env: WorkflowEnvironment, gated_worker: Worker, gated: GatedStore, store: EventStore
) -> None:
    """ASEC's submission of version 1 passed the validator while version 1 was the
    latest, but waited for the lock behind a draft of version 2: the handler checks again
    under the lock and refuses it, recording nothing (the validator alone let it by)."""
    handle = await start(env, gated_worker)
    await send(handle, draft(V1))
    waiver = WaiveStepUpdate(actor=CHAIR_TEAM, step="acc", reason="held with the SOM")
    holding = await handle.start_update(
        CycleWorkflow.waive_step, waiver, wait_for_stage=WorkflowUpdateStage.ACCEPTED
    )
    drafting = await handle.start_update(
        CycleWorkflow.draft_report, draft(V2), wait_for_stage=WorkflowUpdateStage.ACCEPTED
    )
    submitting = await handle.start_update(
        CycleWorkflow.submit_report_draft, SubmitReportDraftUpdate(actor=ASEC, version=1),
        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
    )  # fmt: skip
    gated.opened.set()

    await holding.result()
    drafted = await drafting.result(rpc_timeout=timedelta(seconds=30))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await submitting.result(rpc_timeout=timedelta(seconds=30))

    assert drafted.version == 2
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message == (
        f"version: the submission names version 1, but the latest is now version 2 (sha256 "
        f"{V2}), drafted since; read version 2, then submit it"
    )
    assert facts(store, "ReportDraftSubmitted") == []
    status = await handle.query(CycleWorkflow.status)
    assert status.report is not None
    assert status.report.draft_submitted is None
    assert status.steps[0].state == "open"
