"""The facts kept outside a cycle's timetable, one small entity workflow per stream:
``ascn-plan-<city-id>``, ``ascn-monitoring-<year>``, ``ascn-partners`` and
``ascn-twinning-<city-id>`` (``domain.records``).

The services start the stream's workflow if it does not run yet (an id conflict uses
the running one) and send it one ``record`` update per command. Its validator checks
what the cycle's validators check (``workflows.deciding``, ``workflows.nominating``):
the services' seal, bound to this workflow; the access policy; the command's shape; and
the domain's rule on the stream as this workflow knows it. A refused command is
answered at once and never reaches history. Accepted commands run one at a time under
a lock: each checks the rule again, then the activity records it, deciding once more on
the stream as the store holds it, with the other streams it needs (a city's plan for an
assessment, the partner list for a pair); the workflow keeps the state it answers.
A long history continues as new, with the state and the nonces still fresh.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.records import LoadRequest, RecordedFacts, RecordRequest, RecordsActivities
    from domain.access import refusal as access_refusal
    from domain.deadlines import shifted
    from domain.records import COMMANDS, Command, Kind, RecordsState, decide, permission, stream_of
    from domain.reference import ReferenceData
    from domain.seal import InvalidSeal, check_seal
    from workflows import guards, keyring
    from workflows.core import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, RECORD_WITHIN, refusal
    from workflows.messages import SealedUpdate, UpdateResult

UPDATE = "record"  # the update's name: RecordsWorkflow.record
PREFIX = "ascn-"


def records_workflow_id(stream_id: str) -> str:
    """``ascn-plan-KH-siem-reap`` for the stream ``plan-KH-siem-reap``."""
    return f"{PREFIX}{stream_id}"


class RecordUpdate(SealedUpdate):
    """One command on a stream. ``reference``: the reference data the services decided
    with, sealed with the command, so a long-running stream sees today's membership."""

    kind: Kind
    command: dict[str, Any]
    reference: ReferenceData


class RecordsInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stream_id: str
    state: RecordsState | None = None
    nonces: dict[str, datetime] = Field(default_factory=dict)
    continue_as_new_after: int = Field(default=2_000, ge=10)
    # Demo and simulation only, as a cycle's: the workflow's clock runs this far from the
    # server's, so that a past year can be replayed on the time-skipping server.
    clock_offset: timedelta = timedelta(0)


@workflow.defn(name="AscnRecords")
class RecordsWorkflow:
    @workflow.init
    def __init__(self, records: RecordsInput) -> None:
        self.input = records
        self.state: RecordsState | None = records.state
        self.nonces: dict[str, datetime] = dict(records.nonces)
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, records: RecordsInput) -> None:
        if self.state is None:
            self.state = await workflow.execute_activity_method(
                RecordsActivities.load, LoadRequest(stream_id=records.stream_id),
                start_to_close_timeout=ACTIVITY_TIMEOUT, schedule_to_close_timeout=None,
                retry_policy=ACTIVITY_RETRY,
            )  # fmt: skip
        await workflow.wait_condition(
            lambda: self._history_is_long() and workflow.all_handlers_finished()
        )
        fresh_after = self.now() - guards.SEND_GRACE - guards.CLOCK_SKEW
        nonces = {nonce: at for nonce, at in self.nonces.items() if at >= fresh_after}
        workflow.continue_as_new(records.model_copy(update={"state": self.state, "nonces": nonces}))

    def now(self) -> datetime:
        return shifted(workflow.now(), self.input.clock_offset)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.get_current_history_length() >= self.input.continue_as_new_after
            or info.is_continue_as_new_suggested()
        )

    @workflow.query
    def records_state(self) -> RecordsState | None:
        return self.state

    @workflow.update
    async def record(self, update: RecordUpdate) -> UpdateResult:
        received = self._accept(update)
        await workflow.wait_condition(lambda: self.state is not None)
        await self._take_lock()
        try:
            command = self._admit(update)
            info = workflow.current_update_info()
            key = f"{workflow.info().workflow_id}/update/{info.id if info else received}"
            request = RecordRequest(
                idempotency_key=key, kind=update.kind,
                command=command.model_dump(mode="json"), actor=update.actor,
                occurred_at=received,
            )  # fmt: skip
            try:
                recorded: RecordedFacts = await workflow.execute_activity_method(
                    RecordsActivities.record, request, start_to_close_timeout=ACTIVITY_TIMEOUT,
                    schedule_to_close_timeout=RECORD_WITHIN, retry_policy=ACTIVITY_RETRY,
                )  # fmt: skip
            except ActivityError as error:
                raise refusal(error, f"{update.kind} on {self.input.stream_id}") from None
            self.state = recorded.state
        finally:
            self.lock.release()
        return UpdateResult(recorded=recorded.types)

    async def _take_lock(self) -> None:
        """One command at a time; one queued behind others that the store keeps waiting
        is answered after RECORD_WITHIN, nothing recorded, rather than kept waiting."""
        if not self.lock.locked():
            await self.lock.acquire()
            return
        try:
            await asyncio.wait_for(self.lock.acquire(), RECORD_WITHIN.total_seconds())
        except TimeoutError:
            raise ApplicationError(
                f"not done: the commands before it have waited {RECORD_WITHIN} for the event "
                "store; nothing was recorded, send it again later",
                type="StoreUnavailable",
            ) from None

    @record.validator
    def _validate(self, update: RecordUpdate) -> None:
        self._sealed(update)
        self._admit(update)

    def _accept(self, update: RecordUpdate) -> datetime:
        """Spend the update's nonce; its receipt time. The validator checked the seal
        (never checked again here: a replay must not depend on the keys of the day). Two
        copies of one sealed update can pass their validators in one workflow task; only
        the first handler to run goes on."""
        if update.seal is None:
            raise ApplicationError("this command carries no seal", type="InvalidSeal")
        if update.seal.nonce in self.nonces:
            raise ApplicationError("this command was already received: a replay is refused",
                                   type="InvalidSeal")  # fmt: skip
        self.nonces[update.seal.nonce] = update.seal.received_at
        return update.seal.received_at

    def _sealed(self, update: RecordUpdate) -> datetime:
        """The receipt time of a command the services sealed for this workflow; a
        replayed, stale or forged one is refused."""
        try:
            seal = check_seal(
                keyring.seal_keys(), update.seal, update=UPDATE,
                cycle=workflow.info().workflow_id, payload=update.sealed_payload(),
            )  # fmt: skip
        except InvalidSeal as error:
            raise ApplicationError(str(error), type="InvalidSeal") from None
        if seal.nonce in self.nonces:
            raise ApplicationError(
                f"{UPDATE} was already received (nonce {seal.nonce}): a replayed command "
                "is refused", type="InvalidSeal",
            )  # fmt: skip
        now = self.now()
        received = seal.received_at
        if received > now + guards.CLOCK_SKEW:
            raise ApplicationError(f"sealed at {received.isoformat()}, after now",
                                   type="InvalidSeal")  # fmt: skip
        if now - received > guards.SEND_GRACE:
            raise ApplicationError(
                f"received at {received.isoformat()}, more than {guards.SEND_GRACE.days} days "
                "ago; send it again", type="InvalidSeal",
            )  # fmt: skip
        return received

    def _admit(self, update: RecordUpdate) -> Command:
        """The command, if the access policy lets its actor send it to this stream and the
        domain's rule accepts it on the stream as it stands."""
        parsed = guards.decided_by(lambda: COMMANDS[update.kind].model_validate(update.command))
        command = cast(Command, parsed)
        action, scope = permission(command, update.reference)
        reason = access_refusal(update.actor, action, scope)
        if reason is not None:
            raise ApplicationError(reason, type="NotAuthorised")
        stream = stream_of(command)
        if stream != self.input.stream_id:
            raise ApplicationError(
                f"{update.kind} belongs to the stream {stream}, not {self.input.stream_id}"
            )
        if self.state is not None:
            state = self.state
            guards.decided_by(lambda: decide(command, state, update.reference))
        return command
