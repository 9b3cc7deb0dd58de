"""Running cycles must replay on new code: the checked-in history of a full cycle replays.

If this fails, the change to the workflow is not deterministic for cycles already
running. Guard it with workflow.patched() (see the README), never by re-recording.

Replay alone does not see every such change. Temporal matches each scheduled activity
by its position and type, not its input: swap two ``record_cycle_fact`` calls (say a
step's Noted and its StepCompleted) and the history still replays, while a running
cycle would get the wrong results back and new cycles would record their facts in
another order. So the second test also compares the activities the code schedules
while it replays, with their idempotency keys and fact types, one by one, to those the
checked-in history scheduled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import (
    Interceptor,
    Replayer,
    StartActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
    WorkflowReplayResult,
)

from workflows.chain import CHAIN_PATCH
from workflows.core import ONE_EFFECT_PATCH
from workflows.cycle import CIVIL_HOURS_PATCH, CycleWorkflow, workflow_id
from workflows.reporting import REPORT_VERSIONS_PATCH

HISTORIES = Path(__file__).parent / "histories"
# (activity, idempotency key, fact type): what one scheduled activity records, or asks.
Scheduled = tuple[str, str | None, str | None]


def history_concurrent() -> WorkflowHistory:
    """A short cycle recorded with the rules behind ``one-effect-per-command``: commands
    sent at once, refused under the lock (tests/replay/record_concurrent_history.py)."""
    return WorkflowHistory.from_json(
        workflow_id(2018), (HISTORIES / "cycle-concurrent.json").read_text()
    )


# Each checked-in history, and the facts its cycle recorded first. cycle-2018.json was
# recorded before the cycle recorded its plan (the "record-plan" patch) and replays
# without it; cycle-2018-record-plan.json covers the patched branch.
# cycle-2018-civil-hours.json: planned from the 2018 calendar file with each reader's
# working days, so it takes the "civil-hours" branch (reminders at 09:00 local).
OPENED = ("record_cycle_fact", "ascn-cycle-2018/cycle-opened", "CycleOpened")
PLANNED = ("record_cycle_fact", "ascn-cycle-2018/cycle-planned", "CyclePlanned")
FIRST_STEP = ("record_cycle_fact", "ascn-cycle-2018/nomination_deadline/opened", "StepOpened")
LEDGERS = ("load_nomination_ledgers", None, None)
FIRST_FACTS = {
    "cycle-2018.json": [LEDGERS, OPENED, FIRST_STEP],
    "cycle-2018-record-plan.json": [LEDGERS, OPENED, PLANNED, FIRST_STEP],
    "cycle-2018-civil-hours.json": [LEDGERS, OPENED, PLANNED, FIRST_STEP],
    # Recorded under "decisions-by-people": each body's decision entered by a person,
    # the JCM submission by its two submitters, a candidature city; no Noted.
    "cycle-2018-decisions-by-people.json": [LEDGERS, OPENED, PLANNED, FIRST_STEP],
    "cycle-2018-ledger-checkpoint.json": [LEDGERS, OPENED, PLANNED, FIRST_STEP],
    # Planned with report_draft, under "report-versions": ASEC drafts two versions and
    # submits the second, which the JCM submission and the decisions after it name.
    "cycle-2018-report-versions.json": [LEDGERS, OPENED, PLANNED, FIRST_STEP],
}
# ...and the last: cycles from the "ledger-checkpoint" patch on sign a checkpoint after
# every completed step and after the cycle's last fact.
COMPLETED = ("record_cycle_fact", "ascn-cycle-2018/cycle-completed", "CycleCompleted")
LAST_CHECKPOINT = ("make_ledger_checkpoint", "ascn-cycle-2018/cycle-completed", None)
LAST_FACTS: dict[str, list[Scheduled]] = {
    "cycle-2018.json": [COMPLETED],
    "cycle-2018-record-plan.json": [COMPLETED],
    "cycle-2018-civil-hours.json": [COMPLETED],
    "cycle-2018-decisions-by-people.json": [COMPLETED],
    "cycle-2018-ledger-checkpoint.json": [COMPLETED, LAST_CHECKPOINT],
    "cycle-2018-report-versions.json": [COMPLETED, LAST_CHECKPOINT],
}
HISTORY_NAMES = pytest.mark.parametrize("name", sorted(FIRST_FACTS))


def history_2018(name: str = "cycle-2018.json") -> WorkflowHistory:
    history = WorkflowHistory.from_json(workflow_id(2018), (HISTORIES / name).read_text())
    assert len(history.events) > 300  # a whole cycle, not a stub
    return history


async def replay(history: WorkflowHistory, *interceptors: Interceptor) -> WorkflowReplayResult:
    return await Replayer(
        workflows=[CycleWorkflow],
        data_converter=pydantic_data_converter,
        interceptors=interceptors,
    ).replay_workflow(history, raise_on_replay_failure=False)


def scheduled(activity: str, payload: Any) -> Scheduled:
    """What identifies a scheduled activity's effect: its name, the idempotency key its
    event ids derive from, and the type of fact it records (``record_cycle_fact``)."""
    if not isinstance(payload, dict):
        return (activity, None, None)
    key, fact = payload.get("idempotency_key"), payload.get("type")
    return (activity, str(key) if key else None, str(fact) if fact else None)


def as_json(value: Any) -> Any:
    """An activity argument as the pydantic data converter puts it into history."""
    (payload,) = pydantic_data_converter.payload_converter.to_payloads([value])
    return json.loads(payload.data)


def scheduled_in(history: WorkflowHistory) -> list[Scheduled]:
    """The activities the history's commands scheduled, in order: the checked-in
    sequence every running cycle of this kind has recorded."""
    found: list[Scheduled] = []
    event: HistoryEvent
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        (payload,) = attributes.input.payloads
        found.append(scheduled(attributes.activity_type.name, json.loads(payload.data)))
    return found


class ScheduledActivities(Interceptor):
    """Notes each activity the workflow code schedules, as it replays."""

    def __init__(self) -> None:
        self.seen: list[Scheduled] = []

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        seen = self.seen

        class Outbound(WorkflowOutboundInterceptor):
            def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
                (argument,) = input.args
                seen.append(scheduled(input.activity, as_json(argument)))
                return super().start_activity(input)

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(Outbound(outbound))

        return Inbound


@HISTORY_NAMES
async def test_the_recorded_2018_cycle_replays_on_this_code(name: str) -> None:
    result = await replay(history_2018(name))

    assert result.replay_failure is None, result.replay_failure


@HISTORY_NAMES
async def test_replaying_it_schedules_the_same_facts_in_the_same_order(name: str) -> None:
    history = history_2018(name)
    expected = scheduled_in(history)
    # The checked-in sequence is read as it should be: the cycle's first commands.
    assert expected[: len(FIRST_FACTS[name])] == FIRST_FACTS[name]
    assert expected[-len(LAST_FACTS[name]) :] == LAST_FACTS[name]

    noted = ScheduledActivities()
    result = await replay(history, noted)

    first_difference = next(
        (i for i, pair in enumerate(zip(noted.seen, expected, strict=False)) if pair[0] != pair[1]),
        min(len(noted.seen), len(expected)),
    )
    assert noted.seen == expected, (
        f"activity {first_difference + 1} differs from the checked-in history: this code "
        f"schedules {noted.seen[first_difference : first_difference + 2]}, the history has "
        f"{expected[first_difference : first_difference + 2]} "
        f"({len(noted.seen)} against {len(expected)} activities; replay failure: "
        f"{str(result.replay_failure)[:300] or 'none'})"
    )


async def test_a_cycle_recorded_with_commands_sent_at_once_replays_its_patched_branch() -> None:
    history = history_concurrent()
    markers = [
        event.marker_recorded_event_attributes
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    assert len(markers) == 1
    assert ONE_EFFECT_PATCH.encode() in markers[0].SerializeToString()
    refused = [
        event.workflow_execution_update_completed_event_attributes.outcome.failure.message
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
        and event.workflow_execution_update_completed_event_attributes.outcome.HasField("failure")
    ]
    assert "SG already submitted these nominations for 2018; nothing was recorded" in refused
    noted = ScheduledActivities()

    result = await replay(history, noted)

    assert result.replay_failure is None, result.replay_failure
    assert noted.seen == scheduled_in(history)


def _markers(history: WorkflowHistory) -> list[bytes]:
    return [
        event.marker_recorded_event_attributes.SerializeToString()
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]


def test_the_civil_hours_history_took_its_patched_branch() -> None:
    """Its reminders go to each reader at its own hour: keys name the instant, and the
    nominations' T-14 went out in several mails (several zones and holidays)."""
    history = history_2018("cycle-2018-civil-hours.json")
    assert any(CIVIL_HOURS_PATCH.encode() in marker for marker in _markers(history))
    t14 = [
        key
        for _, key, fact in scheduled_in(history)
        if fact == "ReminderSent" and key and "/nomination_deadline/T-14/" in key
    ]
    assert len(t14) > 1
    assert all(key.endswith("+00:00/reminder") for key in t14)


def test_the_history_of_decisions_by_people_records_them_and_no_noted() -> None:
    history = history_2018("cycle-2018-decisions-by-people.json")
    assert any(CHAIN_PATCH.encode() in marker for marker in _markers(history))
    facts = [fact for activity, _, fact in scheduled_in(history) if activity == "record_cycle_fact"]
    assert "Noted" not in facts
    assert facts.count("BodyDecisionRecorded") == 4
    assert facts.count("ReportSubmitted") == 2
    changes = [a for a, _, _ in scheduled_in(history) if a == "record_membership_change"]
    assert len(changes) == 2


def test_the_older_histories_wrote_noted_as_their_cycles_did() -> None:
    for name in ("cycle-2018.json", "cycle-2018-record-plan.json", "cycle-2018-civil-hours.json"):
        facts = [fact for _, _, fact in scheduled_in(history_2018(name))]
        assert facts.count("Noted") == 5, name


def test_the_patched_cycle_signs_a_checkpoint_after_each_completed_step() -> None:
    history = history_2018("cycle-2018-ledger-checkpoint.json")
    scheduled = scheduled_in(history)
    completed = [key for _, key, fact in scheduled if fact == "StepCompleted"]
    checkpoints = [key for activity, key, _ in scheduled if activity == "make_ledger_checkpoint"]

    assert len(completed) == 9
    assert checkpoints == [*completed, "ascn-cycle-2018/cycle-completed"]
    for key in completed:  # each right after the fact it covers
        index = next(i for i, (_, k, f) in enumerate(scheduled) if k == key and f)
        assert scheduled[index + 1] == ("make_ledger_checkpoint", key, None)


def test_the_history_of_report_versions_drafts_submits_and_names_them() -> None:
    history = history_2018("cycle-2018-report-versions.json")
    assert any(REPORT_VERSIONS_PATCH.encode() in marker for marker in _markers(history))
    facts = [fact for activity, _, fact in scheduled_in(history) if activity == "record_cycle_fact"]
    assert facts.count("ReportDrafted") == 2
    assert facts.count("ReportDraftSubmitted") == 1
    assert facts.count("ReportSubmitted") == 2
    # The draft is submitted before its step completes, the JCM's submissions after.
    assert facts.index("ReportDraftSubmitted") < facts.index("ReportSubmitted")
    completed = [key for _, key, fact in scheduled_in(history) if fact == "StepCompleted"]
    assert "ascn-cycle-2018/report_draft/completed" in completed
    assert len(completed) == 10


def test_the_older_histories_took_no_report_versions_branch() -> None:
    for name in sorted(FIRST_FACTS):
        if name == "cycle-2018-report-versions.json":
            continue
        history = history_2018(name)
        assert not any(REPORT_VERSIONS_PATCH.encode() in m for m in _markers(history)), name
        assert "ReportDrafted" not in {fact for _, _, fact in scheduled_in(history)}, name
