"""Payloads at rest are ciphertext, and an update nobody can decrypt is refused, not retried.

Someone who can reach Temporal but holds no payload key can still send an update. Its
payload must not jam the cycle: the worker's codec turns it into something no model
accepts, the SDK rejects the update before it enters history, and the cycle goes on.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from ascn.payload_codec import ENCODING, KEY_ID, AesGcmCodec
from domain.reference import ReferenceData
from eventstore.store import EventStore
from tests.e2e.conftest import NOMINATION_STEP, cycle_input, seconds_plan, wait_for_step
from tests.sealing import SEAL_KEYS
from tests.workflows.plans import CHAIR_TEAM
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow
from workflows.messages import ApproveStepUpdate

DEV_KEY_ID = b"dev-payload-1"


class GarbageCodec(PayloadCodec):
    """Marks random bytes as encrypted under the right key id, as a forger would."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(metadata={"encoding": ENCODING, KEY_ID: DEV_KEY_ID}, data=b"\x5a" * 64)
            for _ in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


def client_with(client: Client, codec: PayloadCodec) -> Client:
    converter = dataclasses.replace(pydantic_data_converter, payload_codec=codec)
    return Client(client.service_client, namespace=client.namespace, data_converter=converter)


async def test_an_undecodable_update_is_refused_and_the_cycle_keeps_working(
    dev_server: WorkflowEnvironment,
    store: EventStore,
    unique: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = dev_server.client
    task_queue = f"e2e-codec-{unique}"
    plan = seconds_plan(datetime.now(UTC), deadline_in=60.0)
    forgers = {
        "garbage": client_with(client, GarbageCodec()),
        "stranger": client_with(client, AesGcmCodec({"stranger-1": b"s" * 32})),
    }
    approve = ApproveStepUpdate(actor=CHAIR_TEAM, step=NOMINATION_STEP)
    caplog.set_level(logging.WARNING, logger="ascn.payload_codec")
    refusals: dict[str, BaseException | None] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        worker = create_worker(
            client, store, ReferenceData.load(), task_queue=task_queue, executor=pool,
            max_concurrent_activities=4, seal_keys=SEAL_KEYS,
        )  # fmt: skip
        async with worker:
            handle = await client.start_workflow(
                CycleWorkflow.run, cycle_input(plan), id=f"e2e-codec-{unique}",
                task_queue=task_queue,
            )  # fmt: skip
            await wait_for_step(handle, NOMINATION_STEP)
            for name, forger in forgers.items():
                forged = forger.get_workflow_handle_for(CycleWorkflow.run, handle.id)
                with pytest.raises(WorkflowUpdateFailedError) as refused:
                    await forged.execute_update(CycleWorkflow.approve_step, approve)
                refusals[name] = refused.value.cause
            after = await handle.query(CycleWorkflow.status)
            accepted = await handle.execute_update(CycleWorkflow.approve_step, approve)
            history = await handle.fetch_history()

    # The SDK could not convert the stand-in to ApproveStepUpdate: it rejected the update.
    for name, cause in refusals.items():
        assert isinstance(cause, ApplicationError), name
        assert cause.message == "Failed decoding arguments", name
    warnings = [r.getMessage() for r in caplog.records if r.name == "ascn.payload_codec"]
    assert any("does not authenticate under key id 'dev-payload-1'" in w for w in warnings)
    assert any("unknown key id 'stranger-1'" in w for w in warnings)

    # The refusals left the cycle where it was, and the next good update went through.
    step = next(s for s in after.steps if s.step == NOMINATION_STEP)
    assert step.state == "open"
    assert accepted.recorded == ("StepApproved",)

    types = [event.event_type for event in history.events]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in types
    assert types.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) == 1
    # What Temporal keeps is ciphertext under the current key.
    started = history.events[0].workflow_execution_started_event_attributes
    assert [p.metadata[KEY_ID] for p in started.input.payloads] == [DEV_KEY_ID]
    assert all(p.metadata["encoding"] == ENCODING for p in started.input.payloads)
