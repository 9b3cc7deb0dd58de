"""Whatever an update carries, the cycle answers it and goes on (hypothesis).

Each update is sent with extreme but valid-looking values: instants near year 1 and
year 9999 in every offset from -12 to +14, plain dates, empty and oversized strings,
control characters, max_cities from negative to 2**63, unknown steps and member
states. Some are accepted, most refused; after every one the cycle must still answer
its ``status`` query and accept a corrective command (a sane extension), and no
workflow task may have failed. One test server and one cycle serve every example.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.commands import NominatedCity
from domain.events import Person
from tests.workflows.plans import CHAIR_TEAM, DAY, cycle_input, three_step_plan
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    CycleStatus,
    DecideCityUpdate,
    DeclareNilReturnUpdate,
    DraftReportUpdate,
    DraftSection,
    ExtendDeadlineUpdate,
    GrantExceptionUpdate,
    ProposeCityUpdate,
    RecordDecisionUpdate,
    SealedUpdate,
    SubmitNominationsUpdate,
    SubmitProgressReviewUpdate,
    SubmitReportDraftUpdate,
    SubmitReportUpdate,
    WaiveStepUpdate,
)

T = TypeVar("T")
Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
ANSWER = 15.0
"""Seconds: a cycle whose workflow tasks fail never answers; a healthy one at once."""
EXAMPLES = 6
OFFSETS = [timezone(timedelta(hours=h)) for h in range(-12, 15)]
END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=14)))
STEPS = st.sampled_from(["nomination_deadline", "annual_meeting", "", "no_such_step", "x" * 300])
# summit is left to the corrective extension: nothing here settles it.
MEMBER_STATES = st.sampled_from(["SG", "MY", "MM", "TH", "XX", "", "sg", "S G"])
TEXTS = st.one_of(
    st.sampled_from(["", "   ", "\x00", "a\x00b", "line\nbreak", "x" * 2000, "x" * 2001,
                     "é" * 700, "\u202e" * 10]),
    st.text(max_size=40),
)  # fmt: skip
INSTANTS = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59),  # noqa: DTZ001
                 timezones=st.sampled_from(OFFSETS)),
    st.builds(datetime.max.replace, tzinfo=st.sampled_from(OFFSETS)),
    st.builds(datetime.min.replace, tzinfo=st.sampled_from(OFFSETS)),
)  # fmt: skip
DEADLINES = st.one_of(INSTANTS, st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
ACTORS = st.one_of(
    st.just(CHAIR_TEAM),
    st.sampled_from([Actor.chair_team("PH", "maria"), Actor(id="imd", role="asec")]),
)
PEOPLE = st.builds(
    Person,
    name=st.one_of(st.sampled_from(["NR", "x" * 201, "tab\there"]), st.text(min_size=1)).filter(
        str.strip
    ),
    email=st.sampled_from(["nr@example.org", "a\x00@b", f"{'x' * 400}@example.org"]),
)
CITIES = st.lists(
    st.builds(
        NominatedCity,
        city=st.one_of(
            st.sampled_from(["Singapore", "Kuala Lumpur", "Kuching", "Yangon", "Atlantis"]),
            st.text(min_size=1).filter(str.strip),
        ),
        csco=PEOPLE,
    ),
    max_size=60,
)

approvals = st.builds(ApproveStepUpdate, actor=ACTORS, step=STEPS)
waivers = st.builds(WaiveStepUpdate, actor=ACTORS, step=STEPS, reason=TEXTS)
extensions = st.builds(
    ExtendDeadlineUpdate, actor=ACTORS, step=STEPS, new_deadline=DEADLINES, reason=TEXTS,
    move_later_steps=st.booleans(),
)  # fmt: skip
exceptions = st.builds(
    GrantExceptionUpdate, actor=ACTORS, member_state=MEMBER_STATES, exception_id=TEXTS,
    rule=st.sampled_from(["max_cities", "capital_required"]), reason=TEXTS,
    max_cities=st.one_of(st.none(), st.integers(-(2**63), 2**63),
                         st.sampled_from([0, 1, 3, 4, 50, 51])),
)  # fmt: skip


decisions = st.builds(
    RecordDecisionUpdate, actor=ACTORS, step=STEPS,
    body=st.one_of(st.sampled_from(["JCM", "ACC", "Summit", "AMM"]), TEXTS),
    decision=st.sampled_from(["noted", "endorsed", "adopted", "deferred",
                              "returned_for_revision"]),
    decided_on=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    meeting=TEXTS, concerning=TEXTS, document_sha256=st.one_of(st.none(), TEXTS),
    new_deadline=st.one_of(st.none(), DEADLINES),
)  # fmt: skip
CHAIN_ACTORS = st.one_of(ACTORS, st.sampled_from([Actor.nr("SG", "nr-sg"),
                                                  Actor.shepherd("SG", "sg")]))  # fmt: skip
reports = st.builds(SubmitReportUpdate, actor=CHAIN_ACTORS, step=STEPS)
reviews = st.builds(SubmitProgressReviewUpdate, actor=CHAIN_ACTORS, step=STEPS)
# This plan has no report_draft step: every draft is refused (tests/workflows/
# test_report_draft_extremes.py sends them to a cycle that keeps versions).
drafts = st.builds(
    DraftReportUpdate, actor=CHAIN_ACTORS, step=STEPS, document_sha256=TEXTS,
    as_of_position=st.integers(-(2**70), 2**70), format=st.integers(-(2**63), 2**63),
    narrative=st.lists(st.builds(DraftSection, heading=TEXTS, text=TEXTS), max_size=3).map(tuple),
)  # fmt: skip
draft_submissions = st.builds(SubmitReportDraftUpdate, actor=CHAIN_ACTORS, step=STEPS)
city_decisions = st.builds(
    DecideCityUpdate, actor=ACTORS, member_state=MEMBER_STATES, city=TEXTS,
    decision=st.sampled_from(["accepted", "declined"]), reason=TEXTS,
)  # fmt: skip


@st.composite
def proposals(draw: st.DrawFn) -> ProposeCityUpdate:
    code = draw(MEMBER_STATES)
    return ProposeCityUpdate(actor=nr_of(code), member_state=code, city=draw(TEXTS),
                             capital=draw(st.booleans()))  # fmt: skip


def nr_of(code: str) -> Actor:
    """The NR of ``code``, or of Singapore for a code no role can name."""
    return Actor.nr(code if len(code) == 2 and code.isupper() else "SG", "nr")


@st.composite
def submissions(draw: st.DrawFn) -> SubmitNominationsUpdate:
    code = draw(MEMBER_STATES)
    return SubmitNominationsUpdate(
        actor=nr_of(code), member_state=code,
        national_representative=draw(PEOPLE), cities=tuple(draw(CITIES)),
    )  # fmt: skip


nil_returns = MEMBER_STATES.map(
    lambda code: DeclareNilReturnUpdate(actor=nr_of(code), member_state=code)
)
# The report's extension, on the step that is open (its escalation times are computed
# at once), and on a step that opens later.
THE_ISSUE = [
    ExtendDeadlineUpdate(actor=CHAIR_TEAM, step=step, new_deadline=END_OF_TIME,
                         reason="the JCM moved")
    for step in ("nomination_deadline", "annual_meeting")
]  # fmt: skip


class Cycle:
    """The cycle under test, driven from hypothesis's thread on the test's event loop."""

    def __init__(self, handle: Handle, loop: asyncio.AbstractEventLoop) -> None:
        self.handle, self.loop = handle, loop
        self.outcomes: dict[str, int] = {"accepted": 0, "refused": 0, "corrected": 0}

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=2 * ANSWER)

    def send(self, update: SealedUpdate) -> None:
        self.run(self._send(update))
        self.run(self._still_goes_on())

    async def _send(self, update: SealedUpdate) -> None:
        name = {
            ApproveStepUpdate: "approve_step",
            WaiveStepUpdate: "waive_step",
            ExtendDeadlineUpdate: "extend_deadline",
            GrantExceptionUpdate: "grant_exception",
            SubmitNominationsUpdate: "submit_nominations",
            DeclareNilReturnUpdate: "declare_nil_return",
            RecordDecisionUpdate: "record_decision",
            SubmitReportUpdate: "submit_report",
            SubmitProgressReviewUpdate: "submit_progress_review",
            DraftReportUpdate: "draft_report",
            SubmitReportDraftUpdate: "submit_report_draft",
            ProposeCityUpdate: "propose_city",
            DecideCityUpdate: "decide_city",
        }[type(update)]
        try:
            await asyncio.wait_for(self.handle.execute_update(name, update), ANSWER)
            self.outcomes["accepted"] += 1
        except WorkflowUpdateFailedError:
            self.outcomes["refused"] += 1

    async def _still_goes_on(self) -> None:
        status = await asyncio.wait_for(self.handle.query(CycleWorkflow.status), ANSWER)
        summit = status.steps[2]
        assert summit.state == "pending"
        corrective = ExtendDeadlineUpdate(
            actor=CHAIR_TEAM, step="summit", new_deadline=summit.deadline + timedelta(minutes=1),
            reason="a sane extension",
        )  # fmt: skip
        await asyncio.wait_for(
            self.handle.execute_update(CycleWorkflow.extend_deadline, corrective), ANSWER
        )
        self.outcomes["corrected"] += 1


async def test_no_update_input_can_stop_the_cycle(env: WorkflowEnvironment, worker: Worker) -> None:
    now = await env.get_current_time()
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(three_step_plan(now)), id=workflow_id(2018),
        task_queue=worker.task_queue,
    )  # fmt: skip
    await env.sleep(2 * DAY)  # nominations are open
    cycle = Cycle(handle, asyncio.get_running_loop())
    once = settings(
        max_examples=EXAMPLES, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )  # fmt: skip

    for strategy, extras in (
        (extensions, THE_ISSUE), (approvals, []), (waivers, []), (exceptions, []),
        (submissions(), []), (nil_returns, []), (decisions, []), (reports, []), (reviews, []),
        (proposals(), []), (city_decisions, []), (drafts, []), (draft_submissions, []),
    ):  # fmt: skip
        drive = once(given(strategy)(cycle.send))
        for extra in extras:
            drive = example(extra)(drive)
        await asyncio.to_thread(drive)

    history = await handle.fetch_history()
    failed = [e for e in history.events
              if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]  # fmt: skip
    assert failed == [], failed[0].workflow_task_failed_event_attributes.failure.message
    sent = cycle.outcomes["accepted"] + cycle.outcomes["refused"]
    assert cycle.outcomes["corrected"] == sent >= 13 * EXAMPLES
    assert cycle.outcomes["refused"] > 0
