"""The use cases of the facts outside a cycle's timetable: submit or revise an action
plan, record IMD's assessment of a project (or why it is not assessed), add an external
partner, pair a city with one, record a twinning exception, record an annual meeting's
outcome.

Each checks the access policy, then the domain's rule as far as it needs no stream
(focus areas, membership, partner kinds), seals the command for its stream's workflow
and sends it through the gateway. The workflow checks both again, with the stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from domain.access import authorize
from domain.actors import Actor
from domain.monitoring import AssessProject, ExplainNotAssessed
from domain.partners import AddPartner, PairCity, RecordMeetingOutcome, RecordTwinningException
from domain.plans import ActionPlan
from domain.records import Command, Kind, permission, precheck, stream_of
from domain.reference import ReferenceData
from domain.text import as_entered
from services.cycles import update_id
from services.errors import CycleUnavailable, Refused
from services.gateway import refusal_of
from services.sealing import Sealer
from workflows.messages import UpdateResult
from workflows.records import (
    UPDATE,
    RecordsInput,
    RecordsWorkflow,
    RecordUpdate,
    records_workflow_id,
)

C = TypeVar("C", bound=Command)


class RecordsGateway(Protocol):
    async def record(
        self, stream_id: str, update: RecordUpdate, update_id: str | None = None
    ) -> UpdateResult:
        """Send ``update`` to the stream's workflow, starting it if it does not run."""
        ...


class TemporalRecordsGateway:
    def __init__(
        self, client: Client, task_queue: str, *, clock_offset: timedelta = timedelta(0)
    ) -> None:
        """``clock_offset``: the demo's, as a cycle's (``RecordsInput``)."""
        self._client = client
        self._task_queue = task_queue
        self._clock_offset = clock_offset

    async def record(
        self, stream_id: str, update: RecordUpdate, update_id: str | None = None
    ) -> UpdateResult:
        ident = records_workflow_id(stream_id)
        # Update-with-start: one call starts the stream's workflow if it does not run (an
        # id conflict uses the running one) and sends the update; both the dev server and
        # the time-skipping test server take it.
        start = WithStartWorkflowOperation(
            RecordsWorkflow.run,
            RecordsInput(stream_id=stream_id, clock_offset=self._clock_offset), id=ident,
            task_queue=self._task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )  # fmt: skip
        try:
            result: UpdateResult = await self._client.execute_update_with_start_workflow(
                RecordsWorkflow.record, update, start_workflow_operation=start, id=update_id
            )
        except WorkflowUpdateFailedError as error:
            raise Refused(refusal_of(error.cause)) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise CycleUnavailable(f"{ident} did not answer in time") from None
        except (RPCError, WorkflowAlreadyStartedError) as error:
            raise CycleUnavailable(f"Temporal refused the call to {ident}: {error}") from None
        return result


class NoRecordsGateway:
    """Where an API built without a Temporal client for the records sends them: it
    answers that the service is unavailable (a 503), and records nothing."""

    async def record(
        self, stream_id: str, update: RecordUpdate, update_id: str | None = None
    ) -> UpdateResult:
        del update, update_id
        raise CycleUnavailable(
            f"this API was started without a way to {stream_id}'s workflow; ask its operator"
        )


NO_RECORDS = NoRecordsGateway()


@dataclass(frozen=True)
class RecordsDeps:
    gateway: RecordsGateway
    sealer: Sealer
    reference: ReferenceData


class RecordOutcome(BaseModel):
    """Where a command was recorded, and the types of the facts, in order."""

    model_config = ConfigDict(frozen=True)

    stream: str
    recorded: tuple[str, ...]


async def _record(
    kind: Kind, command: Command, actor: Actor, deps: RecordsDeps, request_id: str | None
) -> RecordOutcome:
    action, scope = permission(command, deps.reference)
    authorize(actor, action, scope)
    # What the rule refuses on any stream is refused here at once (a DomainError: 409).
    precheck(command, deps.reference)
    # Titles, names, evidence and reasons held to the rule as entered (the models are
    # those of stored facts too, so they check it only here).
    as_entered(command)
    stream = stream_of(command)
    update = RecordUpdate(
        actor=actor, kind=kind, command=command.model_dump(mode="json"),
        reference=deps.reference,
    )  # fmt: skip
    sealed = deps.sealer.seal_for(records_workflow_id(stream), UPDATE, update)
    result = await deps.gateway.record(stream, sealed, update_id(actor, request_id))
    return RecordOutcome(stream=stream, recorded=result.recorded)


class UseCase(Generic[C]):
    """One use case, ``await use_case(command, actor, deps, request_id)``: the command
    of its kind, checked, sealed and sent to its stream's workflow (``_record``)."""

    def __init__(self, kind: Kind) -> None:
        self.kind: Kind = kind

    async def __call__(
        self, command: C, actor: Actor, deps: RecordsDeps, request_id: str | None = None
    ) -> RecordOutcome:
        return await _record(self.kind, command, actor, deps, request_id)


submit_plan: UseCase[ActionPlan] = UseCase("submit_plan")
"""A city's action plan: its first version, or a revision (each kept)."""
assess_project: UseCase[AssessProject] = UseCase("assess_project")
explain_not_assessed: UseCase[ExplainNotAssessed] = UseCase("explain_not_assessed")
add_partner: UseCase[AddPartner] = UseCase("add_partner")
record_meeting_outcome: UseCase[RecordMeetingOutcome] = UseCase("record_meeting_outcome")
pair_city: UseCase[PairCity] = UseCase("pair_city")
record_twinning_exception: UseCase[RecordTwinningException] = UseCase("record_twinning_exception")
