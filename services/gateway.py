"""How the services reach the cycle workflows: a Protocol, and its Temporal implementation.

Every write is a Temporal update whose validator checks the seal, the access policy
and the domain's rules, so a refused command never reaches the workflow's history nor
the event store; the gateway turns that refusal into ``Refused`` with the workflow's
own message. Only the services hold a gateway.

Whether a cycle keeps its search attributes is decided here, for every entry point
(the API, the demo and the Schedule, through ``ascn.cycles``): by the setting when one
is given, else by asking the namespace whether it has them (``ascn up`` registers them
on its dev server, docker-compose on its namespace). A cycle that upserts attributes
the namespace lacks would fail its workflow tasks; one that never upserts them cannot
be found by year.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol, TypeVar

from pydantic import BaseModel
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from domain.actors import Actor
from services.errors import CycleNotFound, CycleUnavailable, Refused, UnknownStep
from workflows import search
from workflows.cycle import CYCLE_ID_REUSE, CycleWorkflow, workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    CycleInput,
    DecideCityUpdate,
    DeclareNilReturnUpdate,
    DraftReportUpdate,
    ExtendDeadlineUpdate,
    GrantExceptionUpdate,
    MembershipChanged,
    ProposeCityUpdate,
    RecordDecisionUpdate,
    SubmitNominationsUpdate,
    SubmitProgressReviewUpdate,
    SubmitReportDraftUpdate,
    SubmitReportUpdate,
    UpdateResult,
    WaiveStepUpdate,
)

UpdateT = TypeVar("UpdateT", bound=BaseModel)

IN_FLIGHT_PER_CYCLE = 8
"""Updates this process has in flight to one cycle at a time; the others wait here, in
the order they came. Temporal admits 10 at a time to a workflow (its dynamic config
``history.maxInFlightUpdates``) and refuses the next with ResourceExhausted, and that
refusal also clears the workflow's state cached in the history service: every update in
flight is aborted (and retried by the server), the workflow task carrying them is lost
(the worker's "Task not found when completing"), the worker drops the workflow from its
cache and replays its whole history, and the refused caller's client backs off before
trying again. 50 approvals sent at once through the API cost that way 26 to 47 workflow
tasks, 3 to 11 full replays, 160 to 190 update calls inside the server and 200 to 260
aborted updates, and took 1.4 to 2.1 s; held to these slots, 14 workflow tasks, 50 calls,
no replay and no abort, 0.3 to 0.7 s (10 at once: 6 to 8 workflow tasks either way).
Two are left under the limit for another process (the CLI, a second API)."""
SLOT_WITHIN = 5.0
"""Seconds an update waits for a slot before it is sent anyway, as it was before slots:
updates held in flight longer (an event store that is down keeps accepted commands
waiting for their activity) do not keep the ones behind them from Temporal's answer."""


def refusal_of(cause: BaseException) -> str:
    """The cycle's own words: an activity's refusal, not "Activity task failed"."""
    if isinstance(cause, ActivityError) and cause.cause is not None:
        cause = cause.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause)


class CycleGateway(Protocol):
    async def start_cycle(self, cycle: CycleInput, actor: Actor) -> str:
        """Start the year's cycle; the run id."""
        ...

    async def submit_nominations(
        self, year: int, update: SubmitNominationsUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def declare_nil_return(
        self, year: int, update: DeclareNilReturnUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def grant_exception(
        self, year: int, update: GrantExceptionUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def approve_step(
        self, year: int, update: ApproveStepUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def extend_deadline(
        self, year: int, update: ExtendDeadlineUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def waive_step(
        self, year: int, update: WaiveStepUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def record_decision(
        self, year: int, update: RecordDecisionUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def submit_report(
        self, year: int, update: SubmitReportUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def submit_progress_review(
        self, year: int, update: SubmitProgressReviewUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def draft_report(
        self, year: int, update: DraftReportUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def submit_report_draft(
        self, year: int, update: SubmitReportDraftUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def propose_city(
        self, year: int, update: ProposeCityUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def decide_city(
        self, year: int, update: DecideCityUpdate, update_id: str | None = None
    ) -> UpdateResult: ...

    async def membership_changed(self, year: int, version: int) -> bool:
        """Tell the year's cycle, if one runs, that the membership reached ``version``;
        whether one was told."""
        ...


async def keeps_search_attributes(client: Client, setting: bool | None = None) -> bool:
    """Whether cycles started through ``client`` keep AscnYear, AscnCurrentStep and
    AscnOverdueCount: ``setting`` (ASCN_SEARCH_ATTRIBUTES) if given, else whether the
    namespace has all three registered. A server without the operator service (the
    time-skipping test server) has none."""
    if setting is not None:
        return setting
    request = ListSearchAttributesRequest(namespace=client.namespace)
    try:
        listed = await client.operator_service.list_search_attributes(request)
    except RPCError as error:
        if error.status == RPCStatusCode.UNIMPLEMENTED:
            return False
        raise CycleUnavailable(
            f"Temporal did not say whether {client.namespace} has the cycle's search "
            f"attributes: {error.message}"
        ) from None
    return all(key.name in listed.custom_attributes for key in search.ALL)


class TemporalCycleGateway:
    def __init__(
        self, client: Client, task_queue: str, *, search_attributes: bool | None = None
    ) -> None:
        """``search_attributes``: the ASCN_SEARCH_ATTRIBUTES setting; None asks Temporal."""
        self._client = client
        self._task_queue = task_queue
        self._search_attributes = search_attributes
        # Per event loop (a semaphore belongs to the loop it first waited in) and cycle;
        # a loop that ends takes its slots with it.
        self._slots: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]
        ] = weakref.WeakKeyDictionary()

    async def start_cycle(self, cycle: CycleInput, actor: Actor) -> str:
        year = cycle.plan.year
        keeps = await keeps_search_attributes(self._client, self._search_attributes)
        cycle = cycle.model_copy(update={"search_attributes": keeps})
        try:
            handle = await self._client.start_workflow(
                CycleWorkflow.run,
                cycle,
                id=workflow_id(year),
                task_queue=self._task_queue,
                id_reuse_policy=CYCLE_ID_REUSE,
                memo={"started_by": actor.label},
                search_attributes=search.at_start(cycle),
            )
        except WorkflowAlreadyStartedError:
            raise Refused(
                f"{workflow_id(year)} was already started: a year has one cycle"
            ) from None
        except RPCError as error:
            raise CycleUnavailable(f"Temporal did not start the cycle: {error.message}") from None
        return handle.result_run_id or handle.run_id or ""

    async def submit_nominations(
        self, year: int, update: SubmitNominationsUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.submit_nominations, update, update_id)

    async def declare_nil_return(
        self, year: int, update: DeclareNilReturnUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.declare_nil_return, update, update_id)

    async def grant_exception(
        self, year: int, update: GrantExceptionUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.grant_exception, update, update_id)

    async def approve_step(
        self, year: int, update: ApproveStepUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.approve_step, update, update_id)

    async def extend_deadline(
        self, year: int, update: ExtendDeadlineUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.extend_deadline, update, update_id)

    async def waive_step(
        self, year: int, update: WaiveStepUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.waive_step, update, update_id)

    async def record_decision(
        self, year: int, update: RecordDecisionUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.record_decision, update, update_id)

    async def submit_report(
        self, year: int, update: SubmitReportUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.submit_report, update, update_id)

    async def submit_progress_review(
        self, year: int, update: SubmitProgressReviewUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.submit_progress_review, update, update_id)

    async def draft_report(
        self, year: int, update: DraftReportUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.draft_report, update, update_id)

    async def submit_report_draft(
        self, year: int, update: SubmitReportDraftUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.submit_report_draft, update, update_id)

    async def propose_city(
        self, year: int, update: ProposeCityUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.propose_city, update, update_id)

    async def decide_city(
        self, year: int, update: DecideCityUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update(year, CycleWorkflow.decide_city, update, update_id)

    async def membership_changed(self, year: int, version: int) -> bool:
        handle = self._client.get_workflow_handle_for(CycleWorkflow.run, workflow_id(year))
        try:
            await handle.signal(
                CycleWorkflow.membership_changed, MembershipChanged(version=version)
            )
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:  # none runs (or it has completed)
                return False
            raise CycleUnavailable(f"Temporal refused the signal: {error.message}") from None
        return True

    async def _update(
        self,
        year: int,
        method: UpdateMethodMultiParam[[CycleWorkflow, UpdateT], UpdateResult],
        update: UpdateT,
        update_id: str | None,
    ) -> UpdateResult:
        handle = self._client.get_workflow_handle_for(CycleWorkflow.run, workflow_id(year))
        try:
            async with self._slot(workflow_id(year)):
                return await handle.execute_update(method, update, id=update_id)
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            # The validators type what callers tell apart (workflows/guards.py).
            if isinstance(cause, ApplicationError) and cause.type == "UnknownStep":
                raise UnknownStep(cause.message) from None
            raise Refused(refusal_of(cause)) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise CycleUnavailable(f"{workflow_id(year)} did not answer in time") from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise CycleNotFound(year) from None
            raise CycleUnavailable(f"Temporal refused the call: {error.message}") from None

    @asynccontextmanager
    async def _slot(self, cycle: str) -> AsyncIterator[None]:
        """One of the cycle's ``IN_FLIGHT_PER_CYCLE`` slots while the update is in flight,
        or none after ``SLOT_WITHIN``."""
        cycles = self._slots.setdefault(asyncio.get_running_loop(), {})
        slots = cycles.setdefault(cycle, asyncio.Semaphore(IN_FLIGHT_PER_CYCLE))
        try:
            async with asyncio.timeout(SLOT_WITHIN):
                await slots.acquire()
            held = True
        except TimeoutError:
            held = False
        try:
            yield
        finally:
            if held:
                slots.release()
