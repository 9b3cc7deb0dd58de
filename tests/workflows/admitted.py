"""Wait until the Temporal server holds updates, before any worker has seen them.

A test that needs two updates in one workflow task sends them while no worker polls,
then starts the worker. ``start_update`` cannot wait for the ADMITTED stage (the SDK
refuses it, and the time-skipping server refuses it on ``UpdateWorkflowExecution``),
but ``PollWorkflowExecutionUpdate`` answers at once with an update's stage once the
server has it, and NOT_FOUND before: that is the wait, with no guess at how long.
"""

from __future__ import annotations

import asyncio

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import UpdateWorkflowExecutionLifecycleStage
from temporalio.api.update.v1 import UpdateRef, WaitPolicy
from temporalio.api.workflowservice.v1 import PollWorkflowExecutionUpdateRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

ADMITTED = UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED
GIVE_UP_AFTER = 60.0
"""Seconds: far beyond any load seen; a server that never admits them fails the test."""


async def admitted(client: Client, workflow_id: str, *update_ids: str) -> None:
    """Return once the server has admitted every one of ``update_ids``."""
    async with asyncio.timeout(GIVE_UP_AFTER):
        for update_id in update_ids:
            await _admitted(client, workflow_id, update_id)


async def _admitted(client: Client, workflow_id: str, update_id: str) -> None:
    request = PollWorkflowExecutionUpdateRequest(
        namespace=client.namespace,
        update_ref=UpdateRef(
            workflow_execution=WorkflowExecution(workflow_id=workflow_id), update_id=update_id
        ),
        identity=client.identity,
        wait_policy=WaitPolicy(lifecycle_stage=ADMITTED),
    )
    while True:
        try:
            answer = await client.workflow_service.poll_workflow_execution_update(request)
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.01)  # the request is still on its way: ask again
            continue
        assert answer.stage >= ADMITTED, answer
        return
