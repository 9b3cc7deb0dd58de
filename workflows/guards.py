"""The checks update validators make before anything reaches history.

Each raises an ApplicationError whose message names the problem; the caller of the
update receives it, and the workflow's history does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from domain.access import Action, Scope, refusal
from domain.calendar import PlannedStep
from domain.chain import JOINT_SUBMISSION_STEP, PROGRESS_REVIEW_STEP, waiting_for
from domain.deadlines import ExtensionRefused, check_extension, resolve
from domain.errors import DomainError
from domain.events import DomainEvent, Person
from domain.ledger import NominationLedger
from domain.nominations import refuse_repeat
from domain.opening import when_it_opens
from domain.report_versions import REPORT_DRAFT_STEP
from domain.seal import InvalidSeal, check_seal
from domain.values import line_of
from workflows import keyring
from workflows.messages import ExtendDeadlineUpdate, SealedUpdate, SubmitNominationsUpdate
from workflows.progress import NOMINATION_STEP, Progress

# How long a command may take from the services to the cycle: a worker outage or backlog
# at the deadline shorter than this does not make an on-time submission late.
SEND_GRACE = timedelta(days=2)
T = TypeVar("T")
# Clocks of the services and the cluster may differ a little.
CLOCK_SKEW = timedelta(minutes=5)
# The API's limits, held here too: an update reaches the cycle from the services, but
# anything the cycle accepts must be recordable (no NUL for PostgreSQL) and projectable.
MAX_REASON, MAX_NAME, MAX_EMAIL, MAX_ID, MAX_CITIES_SENT = 2000, 200, 320, 100, 50


def sealed(update: SealedUpdate, name: str, progress: Progress, now: datetime) -> datetime:
    """The receipt time of an update the services sealed, not replayed nor stale."""
    try:
        seal = check_seal(
            keyring.seal_keys(), update.seal, update=name,
            cycle=f"ascn-cycle-{progress.plan.year}", payload=update.sealed_payload(),
        )  # fmt: skip
    except InvalidSeal as error:
        raise ApplicationError(str(error), type="InvalidSeal") from None
    if seal.nonce in progress.state.nonces:
        raise ApplicationError(
            f"{name} was already received (nonce {seal.nonce}): a replayed command is refused",
            type="InvalidSeal",
        )
    received = seal.received_at
    if received > now + CLOCK_SKEW:
        raise ApplicationError(
            f"{name} was sealed at {received.isoformat()}, after the cycle's now",
            type="InvalidSeal",
        )
    if now - received > SEND_GRACE:
        raise ApplicationError(
            f"{name} was received at {received.isoformat()}, more than {SEND_GRACE.days} days "
            "ago; send it again",
            type="InvalidSeal",
        )
    return received


def allowed(update: SealedUpdate, action: Action, progress: Progress, **scope: str) -> None:
    """The access policy, with everything the cycle knows about the year."""
    plan = progress.plan
    full = Scope(year=plan.year, chair=plan.chair, shepherd=plan.shepherd, **scope)
    reason = refusal(update.actor, action, full)
    if reason is not None:
        raise ApplicationError(reason, type="NotAuthorised")


def known_step(progress: Progress, name: str) -> PlannedStep:
    try:
        return progress.plan.step(name)
    except KeyError as error:
        raise ApplicationError(str(error.args[0]), type="UnknownStep") from None


def not_settled(progress: Progress, name: str) -> None:
    """Refused once the step is approved or waived, naming who did it and when, even
    while that decision is still being recorded."""
    decision = progress.state.decided.get(name)
    if decision is not None:
        raise ApplicationError(decision.describe(name), type="AlreadySettled")
    if name in progress.state.completed or progress.settled(name):
        raise ApplicationError(f"step {name} is already approved, waived or completed")


def fits(text: str, field: str, *, limit: int, one_line: bool = True) -> None:
    if len(text) > limit:
        raise ApplicationError(f"{field} is {len(text)} characters long; at most {limit}")
    if "\x00" in text or (one_line and any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)):
        raise ApplicationError(f"{field} holds control characters")


def needs_reason(reason: str, doing: str) -> None:
    if not reason.strip():
        raise ApplicationError(f"{doing} needs a reason")
    fits(reason, "the reason", limit=MAX_REASON, one_line=False)


def person_fits(person: Person, field: str) -> None:
    fits(person.name, f"the name of {field}", limit=MAX_NAME)
    fits(person.email, f"the e-mail address of {field}", limit=MAX_EMAIL)


def submission_fits(update: SubmitNominationsUpdate) -> None:
    if len(update.cities) > MAX_CITIES_SENT:
        raise ApplicationError(
            f"{len(update.cities)} cities were sent; at most {MAX_CITIES_SENT} in one submission"
        )
    person_fits(update.national_representative, "the NR")
    for entry in update.cities:
        fits(entry.city, "a city's name", limit=MAX_NAME)
        person_fits(entry.csco, f"the CSCO of {entry.city[:MAX_NAME]}")


def extension(
    progress: Progress, update: ExtendDeadlineUpdate, now: datetime
) -> tuple[datetime, tuple[str, ...]]:
    """The new deadline in the calendar's zone, and the later steps it moves along;
    refused outside the window an extension may set (``domain.deadlines``)."""
    plan, state, name = progress.plan, progress.state, update.step
    names = [s.step for s in plan.steps]
    later = [
        (s, progress.deadline(s)) for s in names[names.index(name) + 1 :]
        if not progress.settled(s) and s not in state.completed
    ]  # fmt: skip
    try:
        new = resolve(update.new_deadline, plan.zone)
        moved = check_extension(
            step=name, current=progress.deadline(name), new=new, now=now,
            latest=plan.extension_limit(), later=later,
            move_later_steps=update.move_later_steps,
        )  # fmt: skip
    except ExtensionRefused as error:
        last = state.extended.get(name)
        by = f" ({name} was extended by {last.by} at {last.at.isoformat()})" if last else ""
        raise ApplicationError(f"{error}{by}", type="ExtensionRefused") from None
    return new, moved


def in_cycle(progress: Progress, member_state: str) -> None:
    """The member state is one of the cycle's: its ledger once they are loaded, and before
    that (an update that reaches a cycle in its first instants) the plan's list."""
    state = progress.state
    known = state.ledgers if state.ledgers_loaded else progress.plan.member_states
    if member_state not in known:
        plan = progress.plan
        raise ApplicationError(
            f"{member_state} is not a member state of the {plan.year} cycle "
            f"({', '.join(plan.member_states)})"
        )


def ledgers_loaded(progress: Progress) -> None:
    """Refuse, as something to try again, a command that needs a member state's ledger
    before the cycle has loaded them (its first activity)."""
    if not progress.state.ledgers_loaded:
        raise ApplicationError(
            f"the {progress.plan.year} cycle is still loading its records; try again in a moment"
        )


def nominations_open(progress: Progress, member_state: str, now: datetime) -> None:
    in_cycle(progress, member_state)
    year = progress.plan.year
    if NOMINATION_STEP not in progress.state.opened:
        opens = when_it_opens(progress.plan.step(NOMINATION_STEP), now)
        raise ApplicationError(f"nominations for {year} are not open yet: {opens}")
    decision = progress.state.decided.get(NOMINATION_STEP)
    if decision is not None:
        raise ApplicationError(
            f"nominations for {year} are closed: {decision.describe(NOMINATION_STEP)}"
        )
    if NOMINATION_STEP in progress.state.completed or progress.settled(NOMINATION_STEP):
        raise ApplicationError(f"nominations for {year} are closed")


def domain_rule_allows(rule: Callable[[], object]) -> None:
    """Run a domain rule as the activity will; refuse the update if it would refuse."""
    decided_by(rule)


def decided_by(rule: Callable[[], T]) -> T:
    """What a domain rule decides; its refusal as the update's. A command the rule's
    own models refuse (a ValidationError) is refused too: in a handler, any other
    exception would fail the workflow task, and Temporal retries that for ever."""
    try:
        return rule()
    except DomainError as error:
        raise ApplicationError(str(error), type=type(error).__name__) from None
    except ValidationError as error:
        raise ApplicationError(line_of(error), type="InvalidCommand") from None


def not_a_repeat(ledger: NominationLedger, decided: Sequence[DomainEvent]) -> None:
    """A return identical to the one standing changes nothing: refused, not recorded again."""
    decided_by(lambda: refuse_repeat(ledger, decided))


def approvable(progress: Progress, step: str) -> None:
    """Steps that people settle otherwise are not approved (under "decisions-by-people"):
    the JCM submission by its two submitters, the progress review and the report's
    draft (under "report-versions") by ASEC's submission."""
    if not progress.state.people_decide:
        return
    if step == JOINT_SUBMISSION_STEP:
        waiting = waiting_for(progress.state.report_submitted.get(step, []))
        raise ApplicationError(
            f"{step} completes when the Chair of the ASCN and the shepherd have both "
            f"submitted it (waiting for: {', '.join(waiting)}); it is not approved"
        )
    if step == REPORT_DRAFT_STEP and progress.state.report_versions:
        raise ApplicationError(
            f"{step} is settled when ASEC submits a version of the report it drafted; it is "
            "not approved"
        )
    if step == PROGRESS_REVIEW_STEP:
        raise ApplicationError(
            f"{step} is settled when ASEC submits it (every active project assessed or a "
            "reason recorded); it is not approved"
        )
