"""The cycle's use cases: start a cycle, nominate, file a nil return, allow an exception,
approve, extend and waive a step.

Each checks the access policy with what it knows (the year's Chair and shepherd from the
reference data; the cycle's validators check again with the step's owner), seals the
update with the time ascn received the command, and sends it through the gateway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from activities.planning import refuse_a_year_that_ran
from activities.records import StoreMonitoring
from activities.working_days import with_civil_hours
from domain.access import Action, Scope, authorize
from domain.actors import Actor
from domain.calendar_files import CalendarInvalid, check_calendar
from domain.chain import PROGRESS_REVIEW_STEP
from domain.deadlines import check_within_year
from domain.errors import DomainError
from domain.late_start import PastDeadlines, refuse_past_deadlines
from domain.planning import plan_cycle
from domain.reference import ReferenceData
from domain.text import as_entered
from eventstore.readmodels.chain import membership_view
from eventstore.store import EventStore
from services.commands import (
    AllowException,
    ApproveStep,
    CycleCommand,
    DecideCity,
    ExtendDeadline,
    FileNilReturn,
    Nominate,
    Outcome,
    ProposeCity,
    RecordDecision,
    StartCycle,
    Started,
    SubmitProgressReview,
    SubmitReport,
    WaiveStep,
)
from services.errors import CycleUnavailable, Refused
from services.gateway import CycleGateway
from services.monitoring import UnassessedProjects
from services.report_fingerprint import ReportFingerprint, StoreFingerprint
from services.sealing import Sealer
from workflows.cycle import workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    CycleInput,
    DecideCityUpdate,
    DeclareNilReturnUpdate,
    ExtendDeadlineUpdate,
    GrantExceptionUpdate,
    ProposeCityUpdate,
    RecordDecisionUpdate,
    SealedUpdate,
    SubmitNominationsUpdate,
    SubmitProgressReviewUpdate,
    SubmitReportUpdate,
    UpdateResult,
    WaiveStepUpdate,
)

U = TypeVar("U", bound=SealedUpdate)


@dataclass(frozen=True)
class CycleDeps:
    """What the cycle use cases need; the composition root builds it once."""

    gateway: CycleGateway
    sealer: Sealer
    reference: ReferenceData
    store: EventStore
    unassessed_projects: UnassessedProjects | None = None
    """Which active projects of a year lack an assessment or a reason (the progress review);
    by default, read from the event store itself (plans and the year's monitoring stream),
    which is never behind."""

    fingerprint: ReportFingerprint | None = None
    """The position and SHA-256 of a new draft of the report; by default, computed from
    the event store itself (``reports.source``)."""

    def unassessed(self, year: int) -> list[str]:
        if self.unassessed_projects is not None:
            return self.unassessed_projects(year)
        return StoreMonitoring(self.store, self.reference).unassessed_projects(year)

    def report_fingerprint(self) -> ReportFingerprint:
        return self.fingerprint or StoreFingerprint(self.store, self.reference)


def scope_of(deps: CycleDeps, year: int, member_state: str | None = None) -> Scope:
    """What the services know of a year without asking the cycle. A member state that is
    none (``XX``) is refused as such (UnknownMemberState), before anyone is told that
    only its NR may act."""
    if member_state is not None:
        deps.reference.member_state(member_state)
    try:
        chair = deps.reference.chair_for(year).code
    except DomainError:
        chair = None
    try:
        shepherd = deps.reference.shepherd_for(year).code
    except DomainError:
        shepherd = None
    return Scope(year=year, chair=chair, shepherd=shepherd, member_state=member_state)


async def start_cycle(command: StartCycle, actor: Actor, deps: CycleDeps) -> Started:
    year = command.year
    authorize(actor, Action.START_CYCLE, scope_of(deps, year))
    refuse_a_year_that_ran(deps.store, year)
    if command.calendar is not None:
        # Every problem of the file at once (CalendarInvalid, a 422 naming each field).
        checked = check_calendar(command.calendar, deps.reference)
        if checked.calendar.year != year:
            raise CalendarInvalid(
                [f"year: the calendar is for {checked.calendar.year}, not {year}"]
            )
        plan = checked.calendar.plan(deps.reference)
    else:
        try:
            plan = plan_cycle(deps.reference, year, command.template)
        except DomainError as error:  # an unknown template, no Chair known for the year
            raise Refused(str(error)) from None
    if not command.allow_past_deadlines:
        try:
            refuse_past_deadlines(plan, deps.sealer.now())
        except PastDeadlines as error:
            raise Refused(str(error)) from None
    # Each reader's working days, looked up now and carried in the plan (reminder times).
    plan = with_civil_hours(plan, deps.reference)
    # Whether it keeps search attributes, the gateway decides (it knows the namespace).
    cycle = CycleInput(plan=plan, reference=deps.reference)
    run_id = await deps.gateway.start_cycle(cycle, actor)
    return Started(
        year=year, workflow_id=workflow_id(year), run_id=run_id, template=plan.template,
        chair=plan.chair, shepherd=plan.shepherd, started_by=actor.label,
        first_deadline=plan.steps[0].deadline, steps=len(plan.steps),
    )  # fmt: skip


async def nominate(command: Nominate, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.SUBMIT_NOMINATIONS, scope_of(deps, command.year, command.member_state))
    update = SubmitNominationsUpdate(
        actor=actor, member_state=command.member_state,
        national_representative=command.national_representative, cities=command.cities,
    )  # fmt: skip
    return await _send(command, deps, "submit_nominations", update, deps.gateway.submit_nominations)


async def file_nil_return(command: FileNilReturn, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.DECLARE_NIL_RETURN, scope_of(deps, command.year, command.member_state))
    update = DeclareNilReturnUpdate(actor=actor, member_state=command.member_state)
    return await _send(command, deps, "declare_nil_return", update, deps.gateway.declare_nil_return)


async def allow_exception(command: AllowException, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.GRANT_EXCEPTION, scope_of(deps, command.year, command.member_state))
    update = GrantExceptionUpdate(
        actor=actor, member_state=command.member_state, exception_id=command.exception_id,
        rule=command.rule, max_cities=command.max_cities, reason=command.reason,
    )  # fmt: skip
    return await _send(command, deps, "grant_exception", update, deps.gateway.grant_exception)


async def approve_step(command: ApproveStep, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.APPROVE_STEP, scope_of(deps, command.year))
    update = ApproveStepUpdate(actor=actor, step=command.step)
    return await _send(command, deps, "approve_step", update, deps.gateway.approve_step)


async def extend_deadline(command: ExtendDeadline, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.EXTEND_DEADLINE, scope_of(deps, command.year))
    # The cycle checks the deadline's whole window; the year's outer bound is known here.
    check_within_year(command.year, command.step, command.new_deadline)
    update = ExtendDeadlineUpdate(
        actor=actor,
        step=command.step,
        new_deadline=command.new_deadline,
        reason=command.reason,
        move_later_steps=command.move_later_steps,
    )
    return await _send(command, deps, "extend_deadline", update, deps.gateway.extend_deadline)


async def waive_step(command: WaiveStep, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.WAIVE_STEP, scope_of(deps, command.year))
    update = WaiveStepUpdate(actor=actor, step=command.step, reason=command.reason)
    return await _send(command, deps, "waive_step", update, deps.gateway.waive_step)


async def record_decision(command: RecordDecision, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.RECORD_DECISION, scope_of(deps, command.year))
    if command.new_deadline is not None:
        check_within_year(command.year, command.step, command.new_deadline)
    update = RecordDecisionUpdate(
        actor=actor, step=command.step, body=command.body, decision=command.decision,
        decided_on=command.decided_on, meeting=command.meeting, concerning=command.concerning,
        document_sha256=command.document_sha256, new_deadline=command.new_deadline,
    )  # fmt: skip
    return await _send(command, deps, "record_decision", update, deps.gateway.record_decision)


async def submit_report(command: SubmitReport, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.SUBMIT_REPORT, scope_of(deps, command.year))
    update = SubmitReportUpdate(actor=actor, version=command.version)
    return await _send(command, deps, "submit_report", update, deps.gateway.submit_report)


async def submit_progress_review(
    command: SubmitProgressReview, actor: Actor, deps: CycleDeps
) -> Outcome:
    authorize(actor, Action.SUBMIT_PROGRESS_REVIEW, scope_of(deps, command.year))
    unassessed = deps.unassessed(command.year)
    if unassessed:
        raise Refused(
            f"{PROGRESS_REVIEW_STEP}: {len(unassessed)} active project(s) of {command.year} "
            f"have neither an assessment nor a recorded reason why not: {', '.join(unassessed)}"
        )
    update = SubmitProgressReviewUpdate(actor=actor)
    return await _send(
        command, deps, "submit_progress_review", update, deps.gateway.submit_progress_review
    )


async def propose_city(command: ProposeCity, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.PROPOSE_CITY, scope_of(deps, command.year, command.member_state))
    update = ProposeCityUpdate(actor=actor, member_state=command.member_state,
                               city=command.city, capital=command.capital)  # fmt: skip
    outcome = await _send(command, deps, "propose_city", update, deps.gateway.propose_city)
    await _tell_other_cycles(deps, command.year)
    return outcome


async def decide_city(command: DecideCity, actor: Actor, deps: CycleDeps) -> Outcome:
    authorize(actor, Action.DECIDE_CITY, scope_of(deps, command.year, command.member_state))
    update = DecideCityUpdate(actor=actor, member_state=command.member_state, city=command.city,
                              decision=command.decision, reason=command.reason)  # fmt: skip
    outcome = await _send(command, deps, "decide_city", update, deps.gateway.decide_city)
    await _tell_other_cycles(deps, command.year)
    return outcome


async def _tell_other_cycles(deps: CycleDeps, year: int) -> None:
    """A change made through one year's cycle reaches the cycles of the years beside it
    that may run at the same time (a late cycle, an early start); each loads it through
    an activity. One that cannot be told now learns of it with the next change."""
    version = membership_view(deps.store).version
    for other in (year - 1, year + 1):
        try:
            await deps.gateway.membership_changed(other, version)
        except CycleUnavailable:
            continue


def update_id(actor: Actor, request_id: str | None) -> str | None:
    """The Temporal update id of a request: its id, within its actor's. Temporal answers
    an update whose id it already ran with that first outcome, so two people who
    happened to pick the same key must not share an id: the second would be told of
    the first's command, and their own never run."""
    return None if request_id is None else f"{actor.label}|{request_id}"


async def _send(
    command: CycleCommand,
    deps: CycleDeps,
    name: str,
    update: U,
    call: Callable[[int, U, str | None], Awaitable[UpdateResult]],
) -> Outcome:
    # Free text held to the rule as entered (names in nominations are decoded from
    # histories too, so their model checks it only here): nothing is sent if refused.
    as_entered(command)
    sealed = deps.sealer.seal(command.year, name, update)
    result = await call(command.year, sealed, update_id(update.actor, command.request_id))
    return Outcome(
        year=command.year, recorded=result.recorded, version=result.version,
        document_sha256=result.document_sha256, note=result.note,
    )  # fmt: skip
