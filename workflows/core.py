"""What the cycle workflow's main line and its update handlers share: its state, its
clock, the locks that put commands in order, and the recording of facts.

Concurrency inside one workflow: every handler and the main line run on one event loop,
but each ``await`` (an activity) lets another run. Without care, two approvals both
pass their checks before either records, and facts of one stream are appended in the
order their activities happen to finish. So, as Temporal's "safe message handlers"
sample does, commands that change a step take ``steps``, those that change a member
state's ledger take that ledger's lock, and every fact of the cycle's stream is recorded
under ``stream``, one after the other, in the order the workflow decided them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.cycle import CycleActivities, RecordFactRequest
    from activities.errors import EVENT_ID_CONFLICT
    from domain.access import Action
    from domain.actors import Actor
    from domain.calendar import CyclePlan, PlannedStep
    from domain.deadlines import shifted
    from domain.events import REGISTRY, DomainEvent
    from domain.opening import when_it_opens
    from domain.reference import ReferenceData
    from workflows import guards, search
    from workflows.messages import (
        ApproveStepUpdate,
        CycleInput,
        CycleMemory,
        ExtendDeadlineUpdate,
        SealedUpdate,
        WaiveStepUpdate,
    )
    from workflows.progress import Progress

R = TypeVar("R")
StepUpdate = ApproveStepUpdate | ExtendDeadlineUpdate | WaiveStepUpdate
SYSTEM = Actor(id="ascn-engine", role="system")
# Above SQLite's 30 s busy timeout; a worker that dies mid-activity holds a step this long.
ACTIVITY_TIMEOUT = timedelta(minutes=1)
# An activity is retried for at most RECORD_WITHIN (a database outage of several
# minutes, a failover), then fails: an update's caller is answered that it was not
# recorded, and the lock it held is released. Retrying for ever kept the callers, the
# commands queued behind it and the cycle's completion waiting for ever.
RECORD_WITHIN = timedelta(minutes=10)
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
# The main line's own facts must be recorded for the cycle to go on: after a failed
# round it waits this long and tries again, rather than failing the cycle.
RECORD_AGAIN_AFTER = timedelta(minutes=5)
# A timer longer than Go's time.Duration (292 years) is refused by the server; a plan
# with extreme dates sleeps in rounds of at most this.
LONGEST_TIMER = timedelta(days=366)
# Marks the runs that take the rules added for concurrent commands and extensions. It
# is asked only where those rules would issue other commands than before, so that a
# history recorded before them replays as it ran (README: "Changing the workflow").
ONE_EFFECT_PATCH = "one-effect-per-command"


class CycleCore:
    input: CycleInput
    plan: CyclePlan
    state: CycleMemory
    progress: Progress
    woken: bool
    steps: asyncio.Lock
    stream: asyncio.Lock
    ledgers: dict[str, asyncio.Lock]
    members: asyncio.Lock
    _reference: tuple[int, ReferenceData] | None

    def _init_core(self, cycle: CycleInput) -> None:
        self.input = cycle
        self.plan = cycle.plan
        self.state = cycle.state or CycleMemory(
            deadlines={s.step: s.deadline for s in cycle.plan.steps}
        )
        self.progress = Progress(self.plan, self.state)
        self.woken = False
        self.steps, self.stream, self.ledgers = asyncio.Lock(), asyncio.Lock(), {}
        self.members = asyncio.Lock()
        self._reference = None

    def reference(self) -> ReferenceData:
        """The reference data the cycle decides with: its input's, with the membership
        changes seen so far (a cycle recorded before them sees none)."""
        version = self.state.membership.version
        if version == 0:
            return self.input.reference
        if self._reference is None or self._reference[0] != version:
            built = self.state.membership.reference(self.input.reference)
            self._reference = (version, built)
        return self._reference[1]

    def now(self) -> datetime:
        return shifted(workflow.now(), self.input.clock_offset)

    def deadline(self, step: str) -> datetime:
        return self.progress.deadline(step)

    def new_rules(self) -> bool:
        """Whether this run follows the rules added for concurrent commands (else it
        replays a history recorded before them). Never from a validator or a query."""
        return workflow.patched(ONE_EFFECT_PATCH)

    def ledger_lock(self, member_state: str) -> asyncio.Lock:
        return self.ledgers.setdefault(member_state, asyncio.Lock())

    @asynccontextmanager
    async def one_at_a_time(
        self, lock: asyncio.Lock, *, within: timedelta | None = RECORD_WITHIN
    ) -> AsyncIterator[None]:
        """Hold ``lock``, waiting for it at most ``within`` (None: as long as it takes,
        for the cycle's own facts). A person's command behind one the store cannot take
        is answered then, rather than kept waiting for the store. A history recorded
        before locks ran such handlers side by side: it goes on without waiting."""
        if lock.locked() and not self.new_rules():
            yield
            return
        if within is None or not lock.locked():
            await lock.acquire()
        else:
            try:
                await asyncio.wait_for(lock.acquire(), within.total_seconds())
            except TimeoutError:
                raise ApplicationError(
                    f"not done: the commands before it have waited {within} for the event "
                    "store; nothing was recorded, send it again later",
                    type="StoreUnavailable",
                ) from None
        try:
            yield
        finally:
            lock.release()

    def recheck(self, check: Callable[[], Any]) -> None:
        """A validator's check again, under the lock: what passed it may have been
        overtaken by a command that ran first. (Cycles recorded before went on.)"""
        try:
            check()
        except ApplicationError:
            if self.new_rules():
                raise

    async def sleep_until(self, moment: datetime, wake: Callable[[], bool]) -> None:
        while (delay := moment - self.now()) > timedelta(0):
            try:
                await workflow.wait_condition(wake, timeout=min(delay, LONGEST_TIMER))
                return
            except TimeoutError:
                if delay <= LONGEST_TIMER:
                    return

    # -- admitting a command: each validator's first checks ----------------------

    def admit(self, update: SealedUpdate, name: str, action: Action, **scope: str) -> None:
        guards.sealed(update, name, self.progress, self.now())
        guards.allowed(update, action, self.progress, **scope)

    def admit_on_step(self, update: StepUpdate, name: str, action: Action) -> PlannedStep:
        guards.sealed(update, name, self.progress, self.now())
        step = guards.known_step(self.progress, update.step)
        guards.allowed(update, action, self.progress, owed_by=step.owed_by)
        return step

    def opening(self, step: PlannedStep) -> str:
        """When it opens, never a date already past: a step whose day has come waits for
        the step before it to complete."""
        if step.opens_at > self.now():
            return when_it_opens(step, self.now())
        waiting = [s for s in self.plan.steps if s.step not in self.state.completed]
        before = waiting[0].step if waiting else None
        if before is None or before == step.step:
            return when_it_opens(step, self.now())
        return f"it opens once {before} is completed"

    def accept(self, update: SealedUpdate) -> None:
        """Spend the update's nonce. Two copies of one sealed update can pass their
        validators in one workflow task; only the first handler to run goes on."""
        if update.seal is None:  # recorded before seals: replaying an old history
            return
        if update.seal.nonce in self.state.nonces:
            raise ApplicationError("this command was already received: a replay is refused")
        self.state.nonces.append(update.seal.nonce)

    def publish(self) -> None:
        """Keep the search attributes current (only when the namespace has them)."""
        if not self.input.search_attributes:
            return
        status = self.progress.status(self.now())
        workflow.upsert_search_attributes(
            [
                search.YEAR.value_set(self.plan.year),
                search.CURRENT_STEP.value_set(status.current_step or "none"),
                search.OVERDUE.value_set(len(status.overdue)),
            ]
        )

    async def record(self, key: str, fact: DomainEvent, *, actor: Actor = SYSTEM) -> None:
        """Record a fact of the cycle's stream, after those decided before it.

        A person's command that cannot be recorded fails with what happened (and its
        handler undoes what it marked). The cycle's own facts are recorded whatever it
        takes: a fact whose id is already stored is there, and a store that stays down
        is tried again later, but the cycle never fails for it.
        """
        encoded = REGISTRY.encode(fact)
        async with self.one_at_a_time(
            self.stream, within=None if actor == SYSTEM else RECORD_WITHIN
        ):
            while True:
                request = RecordFactRequest(
                    idempotency_key=f"{workflow.info().workflow_id}/{key}",
                    year=self.plan.year, type=encoded.type,
                    schema_version=encoded.schema_version, data=encoded.data, actor=actor,
                    occurred_at=self.now(),
                )  # fmt: skip
                try:
                    await self.execute(CycleActivities.record_fact, request)
                    return
                except ActivityError as error:
                    if actor != SYSTEM:
                        raise refusal(error, f"{encoded.type} ({key})") from None
                    if is_conflict(error):
                        workflow.logger.warning("already recorded otherwise", extra={"key": key})
                        return
                    workflow.logger.warning("not recorded; trying again", extra={"key": key})
                    await workflow.sleep(RECORD_AGAIN_AFTER)

    async def execute(self, activity: Callable[[Any, Any], R], request: Any) -> R:
        return await workflow.execute_activity_method(
            activity, request, start_to_close_timeout=ACTIVITY_TIMEOUT,
            schedule_to_close_timeout=RECORD_WITHIN, retry_policy=ACTIVITY_RETRY,
        )  # fmt: skip


def is_conflict(error: ActivityError) -> bool:
    cause = error.cause
    return isinstance(cause, ApplicationError) and cause.type == EVENT_ID_CONFLICT


def refusal(error: ActivityError, what: str) -> ApplicationError:
    """An activity's failure as the answer to the command that caused it."""
    cause = error.cause
    if is_conflict(error):
        assert isinstance(cause, ApplicationError)
        return ApplicationError(
            f"{what} was not recorded: the store already holds it with other content "
            f"({cause.message})", type=EVENT_ID_CONFLICT,
        )  # fmt: skip
    if isinstance(cause, ApplicationError) and cause.non_retryable:
        return ApplicationError(cause.message, type=cause.type)
    return ApplicationError(
        f"{what} could not be recorded: the event store did not answer within "
        f"{RECORD_WITHIN}; send the command again", type="StoreUnavailable",
    )  # fmt: skip
