"""Running records workflows must replay on new code: the checked-in history of a city's
plan workflow (two versions, a refused copy of the second, and a continue-as-new)
replays. If this fails, guard the change with workflow.patched(), never re-record."""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.records import RecordsWorkflow

HISTORY = Path(__file__).parent / "histories" / "records-plan.json"


async def test_the_plan_workflows_history_replays() -> None:
    text = HISTORY.read_text()
    kinds = [event["eventType"] for event in json.loads(text)["events"]]
    assert kinds.count("EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED") == 3
    assert kinds[-1] == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW"
    history = WorkflowHistory.from_json("ascn-plan-KH-siem-reap", text)
    replayer = Replayer(workflows=[RecordsWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
