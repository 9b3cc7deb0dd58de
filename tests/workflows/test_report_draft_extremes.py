"""Whatever a draft of the report carries, the cycle answers it and goes on (hypothesis).

Drafts are sent with extreme narratives (no section, too many, empty or oversized
headings and texts, NUL and other control characters, text that is three or four bytes
a character in UTF-8), positions of the log from negative to past 2**63, malformed
digests and formats, and by people who may not draft. Some are accepted, most refused;
after each the cycle must still answer its ``status`` query and accept a sane draft, and
no workflow task may have failed. One test server and one cycle serve every example.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.events.chain import MAX_NARRATIVE_TEXT
from domain.report_versions import MAX_NARRATIVE_BYTES
from tests.workflows.test_report_versions import ASEC, CHAIR_OF_ASCN, V1, Handle, start
from workflows.cycle import CycleWorkflow
from workflows.messages import DraftReportUpdate, DraftSection

ANSWER = 15.0
EXAMPLES = 30
HEADINGS = st.one_of(
    st.sampled_from(["Foreword", "", "   ", "\x00", "line\nbreak", "x" * 200, "x" * 201,
                     "é" * 200, "\u202e" * 10, "😀" * 200]),
    st.text(max_size=40),
)  # fmt: skip
TEXTS = st.one_of(
    st.sampled_from(["", " ", "\x00", "a\x00b", "x" * MAX_NARRATIVE_TEXT,
                     "x" * (MAX_NARRATIVE_TEXT + 1), "\x01" * MAX_NARRATIVE_TEXT,
                     "ผ" * MAX_NARRATIVE_TEXT, "😀" * MAX_NARRATIVE_TEXT,
                     "x" * (MAX_NARRATIVE_BYTES - 40)]),
    st.text(max_size=200),
)  # fmt: skip
SECTIONS = st.lists(st.builds(DraftSection, heading=HEADINGS, text=TEXTS), max_size=22)
POSITIONS = st.one_of(
    st.sampled_from([0, -1, 2**63 - 1, 2**63, 2**70, -(2**70)]), st.integers(0, 10**6)
)
DIGESTS = st.sampled_from([V1, V1.upper(), V1[:63], "", "g" * 64, V1 + "0", " " + V1[1:]])
drafts = st.builds(
    DraftReportUpdate,
    actor=st.sampled_from([ASEC, ASEC, CHAIR_OF_ASCN, Actor.chair_team("SG", "alice")]),
    step=st.sampled_from(["report_draft", "report_draft", "jcm_submission", "", "x" * 300]),
    narrative=SECTIONS.map(tuple), as_of_position=POSITIONS, document_sha256=DIGESTS,
    format=st.sampled_from([1, 0, -1, 1000, 1001, 2**63]),
)  # fmt: skip
# Drafts as ASEC would send them (one-line headings, paragraphs), in any script: at most
# four bytes a character, so even the longest stays under the byte budget.
LINE = st.characters(blacklist_categories=("Cc", "Cs"))
plausible = st.builds(
    DraftReportUpdate, actor=st.just(ASEC), as_of_position=st.integers(0, 2**63 - 1),
    document_sha256=st.just(V1),
    narrative=st.lists(
        st.builds(DraftSection,
                  heading=st.text(LINE, min_size=1, max_size=100).filter(str.strip),
                  text=st.text(LINE | st.just("\n"), max_size=600).filter(str.strip)),
        max_size=20,
    ).map(tuple),
)  # fmt: skip
# The extremes at the byte budget: just under it, and the same text four bytes a character.
AT_THE_LIMIT = [
    DraftReportUpdate(actor=ASEC, as_of_position=0, document_sha256=V1,
                      narrative=(DraftSection(heading="h", text=text),))
    for text in ("x" * (MAX_NARRATIVE_BYTES - 40), "😀" * (MAX_NARRATIVE_BYTES // 4))
]  # fmt: skip


class Cycle:
    def __init__(self, handle: Handle, loop: asyncio.AbstractEventLoop) -> None:
        self.handle, self.loop = handle, loop
        self.outcomes = {"accepted": 0, "refused": 0, "corrected": 0}

    def send(self, update: DraftReportUpdate) -> None:
        self._run(self._send(update))
        self._run(self._still_goes_on())

    def _run(self, coroutine: Any) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=2 * ANSWER)

    async def _send(self, update: DraftReportUpdate) -> None:
        try:
            await asyncio.wait_for(
                self.handle.execute_update(CycleWorkflow.draft_report, update), ANSWER
            )
            self.outcomes["accepted"] += 1
        except (WorkflowUpdateFailedError, RPCError):  # RPCError: too large for the server
            self.outcomes["refused"] += 1

    async def _still_goes_on(self) -> None:
        status = await asyncio.wait_for(self.handle.query(CycleWorkflow.status), ANSWER)
        assert status.steps[0].state == "open"
        sane = DraftReportUpdate(
            actor=ASEC, as_of_position=7, document_sha256=V1,
            narrative=(DraftSection(heading="Foreword", text="A sane draft."),),
        )  # fmt: skip
        result = await asyncio.wait_for(
            self.handle.execute_update(CycleWorkflow.draft_report, sane), ANSWER
        )
        assert result.version == len(status.report.versions if status.report else ()) + 1
        self.outcomes["corrected"] += 1


async def test_no_draft_can_stop_the_cycle(env: WorkflowEnvironment, worker: Worker) -> None:
    handle = await start(env, worker)  # report_draft is open
    cycle = Cycle(handle, asyncio.get_running_loop())
    once = settings(
        max_examples=EXAMPLES, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )  # fmt: skip
    for strategy, extremes in ((drafts, AT_THE_LIMIT), (plausible, [])):
        drive = once(given(strategy)(cycle.send))
        for extreme in extremes:
            drive = example(extreme)(drive)
        await asyncio.to_thread(drive)

    history = await handle.fetch_history()
    failed = [e for e in history.events
              if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]  # fmt: skip
    assert failed == [], failed[0].workflow_task_failed_event_attributes.failure.message
    sent = cycle.outcomes["accepted"] + cycle.outcomes["refused"]
    assert cycle.outcomes["corrected"] == sent >= 2 * EXAMPLES
    assert cycle.outcomes["refused"] > 0
    assert cycle.outcomes["accepted"] >= EXAMPLES  # every plausible one
