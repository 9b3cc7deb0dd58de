"""How the API reaches the cycle workflows: a Protocol, and its Temporal implementation.

Every write is a Temporal update whose validator runs the domain's rules, so a
refused command never reaches the workflow's history nor the event store; the
gateway turns that refusal into ``Refused`` with the workflow's own message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from activities import planning
from activities.planning import PlanRequest
from domain.actors import Actor
from domain.errors import DomainError
from domain.reference import ReferenceData
from workflows import search
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    CycleInput,
    DeclareNilReturnUpdate,
    ExtendDeadlineUpdate,
    GrantExceptionUpdate,
    SubmitNominationsUpdate,
    UpdateResult,
    WaiveStepUpdate,
)

UpdateT = TypeVar("UpdateT", bound=BaseModel)


class Refused(Exception):
    """The cycle refused the command (its validator, or starting it); nothing was recorded."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CycleNotFound(Exception):
    """No cycle workflow runs for that year."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no cycle is running for {year} (workflow {workflow_id(year)})")
        self.year = year


class CycleUnavailable(Exception):
    """Temporal did not answer (down, overloaded, or the update timed out)."""


class CycleGateway(Protocol):
    async def start_cycle(self, year: int, template: str, actor: Actor) -> str:
        """Start the year's cycle; the run id."""
        ...

    async def submit_nominations(
        self, year: int, update: SubmitNominationsUpdate
    ) -> UpdateResult: ...

    async def declare_nil_return(
        self, year: int, update: DeclareNilReturnUpdate
    ) -> UpdateResult: ...

    async def grant_exception(self, year: int, update: GrantExceptionUpdate) -> UpdateResult: ...

    async def approve_step(self, year: int, update: ApproveStepUpdate) -> UpdateResult: ...

    async def extend_deadline(self, year: int, update: ExtendDeadlineUpdate) -> UpdateResult: ...

    async def waive_step(self, year: int, update: WaiveStepUpdate) -> UpdateResult: ...


Planner = Callable[[ReferenceData, int, str], CycleInput]


def plan_cycle(reference: ReferenceData, year: int, template: str) -> CycleInput:
    """The year's plan from a calendar template, with that year's Chair and shepherd."""
    return planning.plan_cycle(reference, PlanRequest(year=year, template=template))


class TemporalCycleGateway:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        reference: ReferenceData,
        *,
        planner: Planner = plan_cycle,
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._reference = reference
        self._planner = planner

    async def start_cycle(self, year: int, template: str, actor: Actor) -> str:
        try:
            cycle = self._planner(self._reference, year, template)
        except DomainError as error:  # e.g. no Chair or shepherd known for the year
            raise Refused(str(error)) from None
        try:
            handle = await self._client.start_workflow(
                CycleWorkflow.run,
                cycle,
                id=workflow_id(year),
                task_queue=self._task_queue,
                # One cycle a year: a completed cycle is never run again; a failed or
                # terminated one may be.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                memo={"started_by": actor.label},
                search_attributes=search.at_start(cycle),
            )
        except WorkflowAlreadyStartedError:
            raise Refused(f"{workflow_id(year)} was already started: one cycle a year") from None
        except RPCError as error:
            raise CycleUnavailable(f"Temporal did not start the cycle: {error.message}") from None
        return handle.result_run_id or handle.run_id or ""

    async def submit_nominations(self, year: int, update: SubmitNominationsUpdate) -> UpdateResult:
        return await self._update(year, CycleWorkflow.submit_nominations, update)

    async def declare_nil_return(self, year: int, update: DeclareNilReturnUpdate) -> UpdateResult:
        return await self._update(year, CycleWorkflow.declare_nil_return, update)

    async def grant_exception(self, year: int, update: GrantExceptionUpdate) -> UpdateResult:
        return await self._update(year, CycleWorkflow.grant_exception, update)

    async def approve_step(self, year: int, update: ApproveStepUpdate) -> UpdateResult:
        return await self._update(year, CycleWorkflow.approve_step, update)

    async def extend_deadline(self, year: int, update: ExtendDeadlineUpdate) -> UpdateResult:
        return await self._update(year, CycleWorkflow.extend_deadline, update)

    async def waive_step(self, year: int, update: WaiveStepUpdate) -> UpdateResult:
        return await self._update(year, CycleWorkflow.waive_step, update)

    async def _update(
        self,
        year: int,
        method: UpdateMethodMultiParam[[CycleWorkflow, UpdateT], UpdateResult],
        update: UpdateT,
    ) -> UpdateResult:
        handle = self._client.get_workflow_handle_for(CycleWorkflow.run, workflow_id(year))
        try:
            return await handle.execute_update(method, update)
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            raise Refused(
                cause.message if isinstance(cause, ApplicationError) else str(cause)
            ) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise CycleUnavailable(f"{workflow_id(year)} did not answer in time") from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise CycleNotFound(year) from None
            raise CycleUnavailable(f"Temporal refused the call: {error.message}") from None
