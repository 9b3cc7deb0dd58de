"""Human input: extensions, approvals, waivers, and refusals that leave no trace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.streams import cycle_stream, nominations_stream
from eventstore.store import EventStore
from services.sealing import Sealer
from tests.sealing import SEAL_KEYS
from tests.workflows.plans import CHAIR_TEAM, DAY, nominate, start_cycle
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    CycleStatus,
    ExtendDeadlineUpdate,
    GrantExceptionUpdate,
    WaiveStepUpdate,
)

Handle = WorkflowHandle[CycleWorkflow, CycleStatus]
MALAYSIA = ("Johor Bahru", "Kota Kinabalu", "Kuala Lumpur", "Kuching")


def cycle_facts(store: EventStore) -> list[tuple[str, dict[str, object]]]:
    return [(e.type, e.data) for e in store.read_stream(cycle_stream(2018))]


async def refused(handle: Handle, call: object, update: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(call, update)  # type: ignore[call-overload]
    return str(raised.value.cause)


async def accepted_updates(handle: Handle) -> int:
    history = await handle.fetch_history()
    return sum(
        1
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    )


async def test_an_extension_moves_the_timers_and_records_who_and_why(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker)
    await env.sleep(13 * DAY)  # day 15: T-14 and T-7 of the old deadline (day 20) went out
    new_deadline = t0 + 30 * DAY

    await handle.execute_update(
        CycleWorkflow.extend_deadline,
        ExtendDeadlineUpdate(actor=CHAIR_TEAM, step="nomination_deadline",
                             new_deadline=new_deadline, reason="the SOM moved to April"),
    )  # fmt: skip
    await env.sleep(7 * DAY)  # day 22: the old deadline passed two days ago
    assert not [f for f, _ in cycle_facts(store) if f == "StepEscalated"]
    await env.sleep(10 * DAY)  # day 32: past the new deadline

    facts = cycle_facts(store)
    (extended,) = [data for kind, data in facts if kind == "DeadlineExtended"]
    assert extended["reason"] == "the SOM moved to April"
    assert datetime.fromisoformat(str(extended["new_deadline"])) == new_deadline
    assert datetime.fromisoformat(str(extended["previous_deadline"])) == t0 + 20 * DAY
    stored = store.read_stream(cycle_stream(2018))
    assert [e.actor for e in stored if e.type == "DeadlineExtended"] == ["chair_team:SG/alice"]
    rungs = [data["rung"] for kind, data in facts if kind in ("ReminderSent", "StepEscalated")]
    # The old deadline's T-14 and T-7; then the new one's T-14 (day 16), T-7, T-1 and
    # its first escalation (day 30); deadline+7d would be day 37.
    assert rungs == ["T-14", "T-7", "T-14", "T-7", "T-1", "deadline"]
    status = await handle.query(CycleWorkflow.status)
    assert status.steps[0].deadline == new_deadline


async def test_an_unknown_city_is_refused_and_leaves_no_trace(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, _ = await start_cycle(env, worker)
    before = await accepted_updates(handle)

    message = await refused(handle, CycleWorkflow.submit_nominations, nominate("SG", "Atlantis"))

    assert "Atlantis" in message
    assert store.read_stream(nominations_stream("SG")) == []
    assert await accepted_updates(handle) == before


async def test_too_many_cities_need_the_chairs_exception(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, _ = await start_cycle(env, worker)

    message = await refused(handle, CycleWorkflow.submit_nominations, nominate("MY", *MALAYSIA))
    assert "MY nominated 4 cities" in message
    await handle.execute_update(
        CycleWorkflow.grant_exception,
        GrantExceptionUpdate(actor=CHAIR_TEAM, member_state="MY", exception_id="MY-4",
                             rule="max_cities", max_cities=4, reason="pilot year"),
    )  # fmt: skip
    result = await handle.execute_update(
        CycleWorkflow.submit_nominations, nominate("MY", *MALAYSIA)
    )

    assert result.recorded == ("NominationsSubmitted",)
    types = [e.type for e in store.read_stream(nominations_stream("MY"))]
    assert types == ["ExceptionGranted", "NominationsSubmitted"]


@pytest.mark.parametrize(
    ("call", "update", "expected"),
    [
        (CycleWorkflow.approve_step,
         ApproveStepUpdate(actor=Actor.nr("SG", "nr-sg"), step="nomination_deadline"),
         "only the Chair's team"),
        (CycleWorkflow.extend_deadline,
         ExtendDeadlineUpdate(actor=Actor(id="id-team", role="shepherd:ID"),
                              step="nomination_deadline",
                              new_deadline=datetime(2099, 1, 1).astimezone(), reason="x"),
         "only the Chair's team"),
        (CycleWorkflow.waive_step,
         WaiveStepUpdate(actor=Actor(id="root", role="admin"), step="annual_meeting",
                         reason="x"),
         "only the Chair's team"),
        (CycleWorkflow.grant_exception,
         GrantExceptionUpdate(actor=Actor.nr("MY", "nr-my"), member_state="MY",
                              exception_id="self-granted", rule="max_cities", max_cities=4,
                              reason="we asked ourselves"),
         "only the Chair's team"),
        (CycleWorkflow.approve_step,
         ApproveStepUpdate(actor=Actor.chair_team("PH", "maria"), step="nomination_deadline"),
         "only the Chair's team of that year's Chair (chair_team:SG)"),
        (CycleWorkflow.approve_step,
         ApproveStepUpdate(actor=Actor(id="imd", role="asec"), step="nomination_deadline"),
         "only the Chair's team of that year's Chair (chair_team:SG) may"),
        (CycleWorkflow.submit_nominations, nominate("MM", "Yangon", by=Actor.nr("MY", "nr-my")),
         "only the NR of MM (nr:MM)"),
    ],
)  # fmt: skip
async def test_the_wrong_role_is_refused(
    env: WorkflowEnvironment,
    worker: Worker,
    store: EventStore,
    call: object,
    update: object,
    expected: str,
) -> None:
    handle, _ = await start_cycle(env, worker)
    before = await accepted_updates(handle)

    assert expected in await refused(handle, call, update)

    assert await accepted_updates(handle) == before
    assert {e.type for e in store.iter_all()} == {"CycleOpened", "CyclePlanned", "StepOpened"}


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (ExtendDeadlineUpdate(actor=CHAIR_TEAM, step="nomination_deadline",
                              new_deadline=datetime(2001, 1, 1).astimezone(), reason="x"),
         "must be after the current one"),
        (ExtendDeadlineUpdate(actor=CHAIR_TEAM, step="nomination_deadline",
                              new_deadline=datetime(2099, 1, 1).astimezone(), reason="  "),
         "needs a reason"),
        (ExtendDeadlineUpdate(actor=CHAIR_TEAM, step="no_such_step",
                              new_deadline=datetime(2099, 1, 1).astimezone(), reason="x"),
         "no step 'no_such_step'"),
    ],
)  # fmt: skip
async def test_a_bad_extension_is_refused(
    env: WorkflowEnvironment, worker: Worker, update: ExtendDeadlineUpdate, expected: str
) -> None:
    handle, _ = await start_cycle(env, worker)

    assert expected in await refused(handle, CycleWorkflow.extend_deadline, update)


async def test_a_step_cannot_be_approved_before_it_opens(
    env: WorkflowEnvironment, worker: Worker
) -> None:
    handle, _ = await start_cycle(env, worker)

    message = await refused(
        handle,
        CycleWorkflow.approve_step,
        ApproveStepUpdate(actor=CHAIR_TEAM, step="annual_meeting"),
    )

    assert "has not opened yet" in message


async def test_nominations_close_when_the_step_is_approved(
    env: WorkflowEnvironment, worker: Worker
) -> None:
    handle, _ = await start_cycle(env, worker)
    await handle.execute_update(
        CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step="nomination_deadline")
    )

    message = await refused(handle, CycleWorkflow.submit_nominations, nominate("SG", "Singapore"))

    assert "closed" in message


async def test_a_waived_step_completes_without_approval(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, _ = await start_cycle(env, worker)
    await handle.execute_update(
        CycleWorkflow.waive_step,
        WaiveStepUpdate(actor=CHAIR_TEAM, step="annual_meeting", reason="held online with the SOM"),
    )
    await handle.execute_update(
        CycleWorkflow.approve_step, ApproveStepUpdate(actor=CHAIR_TEAM, step="nomination_deadline")
    )

    status = await handle.result()

    assert [s.state for s in status.steps] == ["completed", "waived"]
    facts = [kind for kind, _ in cycle_facts(store)]
    assert facts[-5:] == [
        "StepWaived", "StepApproved", "StepCompleted", "StepCompleted", "CycleCompleted",
    ]  # fmt: skip
    assert facts.count("StepOpened") == 1  # the waived step never opened


async def test_a_seal_stamped_long_ago_or_in_the_future_is_refused(
    env: WorkflowEnvironment, worker: Worker
) -> None:
    handle, t0 = await start_cycle(env, worker)
    sealer = Sealer(SEAL_KEYS, lambda: t0)

    for received, expected in ((t0 - 30 * DAY, "more than 2 days ago"), (t0 + 90 * DAY, "after")):
        update = sealer.seal(2018, "submit_nominations", nominate("SG", "Singapore"), at=received)
        assert expected in await refused(handle, CycleWorkflow.submit_nominations, update)


def unsealed_client(env: WorkflowEnvironment) -> Client:
    """A client that reaches Temporal's port directly, as anyone on the network could."""
    config = env.client.config()
    config["interceptors"] = []
    return Client(**config)


async def test_an_update_sent_straight_to_temporal_naming_the_chairs_team_is_refused(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, _ = await start_cycle(env, worker)
    direct = unsealed_client(env).get_workflow_handle_for(CycleWorkflow.run, workflow_id(2018))
    before = await accepted_updates(handle)
    facts = cycle_facts(store)

    forged = ApproveStepUpdate(actor=CHAIR_TEAM, step="nomination_deadline")
    assert "carries no seal" in await refused(direct, CycleWorkflow.approve_step, forged)
    # A seal made with a key the cycle does not hold is no better.
    mallory = Sealer({"mallory": b"m" * 32}, lambda: datetime.now(UTC))
    assert "unknown key 'mallory'" in await refused(
        direct, CycleWorkflow.approve_step, mallory.seal(2018, "approve_step", forged)
    )

    assert await accepted_updates(handle) == before
    assert cycle_facts(store) == facts


async def test_a_sealed_update_replayed_or_moved_is_refused_and_records_nothing(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    handle, t0 = await start_cycle(env, worker)
    direct = unsealed_client(env).get_workflow_handle_for(CycleWorkflow.run, workflow_id(2018))
    sealed = Sealer(SEAL_KEYS, lambda: t0 + 2 * DAY).seal(
        2018, "submit_nominations", nominate("SG", "Singapore")
    )
    await direct.execute_update(CycleWorkflow.submit_nominations, sealed)
    recorded = [e.type for e in store.read_stream(nominations_stream("SG"))]
    before = await accepted_updates(handle)

    assert "already received" in await refused(direct, CycleWorkflow.submit_nominations, sealed)
    moved = sealed.model_copy(update={"member_state": "MY", "actor": Actor.nr("MY", "nr-sg")})
    assert "refused as forged" in await refused(direct, CycleWorkflow.submit_nominations, moved)

    assert await accepted_updates(handle) == before
    assert [e.type for e in store.read_stream(nominations_stream("SG"))] == recorded
    assert recorded == ["NominationsSubmitted"]
