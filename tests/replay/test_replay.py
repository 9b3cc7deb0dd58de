"""Running cycles must replay on new code: the checked-in history of a full cycle replays.

If this fails, the change to the workflow is not deterministic for cycles already
running. Guard it with workflow.patched() (see the README), never by re-recording.
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.cycle import CycleWorkflow, workflow_id

HISTORIES = Path(__file__).parent / "histories"


async def test_the_recorded_2018_cycle_replays_on_this_code() -> None:
    history = WorkflowHistory.from_json(
        workflow_id(2018), (HISTORIES / "cycle-2018.json").read_text()
    )
    assert len(history.events) > 300  # a whole cycle, not a stub

    result = await Replayer(
        workflows=[CycleWorkflow], data_converter=pydantic_data_converter
    ).replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, result.replay_failure
