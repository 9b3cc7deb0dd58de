"""The checks update validators make before anything reaches history.

Each raises an ApplicationError whose message names the problem; the caller of the
update receives it, and the workflow's history does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from domain.access import Action, Scope, refusal
from domain.calendar import PlannedStep
from domain.errors import DomainError
from domain.opening import when_it_opens
from domain.seal import InvalidSeal, check_seal
from workflows import keyring
from workflows.messages import SealedUpdate
from workflows.progress import NOMINATION_STEP, Progress

# How long a command may take from the services to the cycle: a worker outage or backlog
# at the deadline shorter than this does not make an on-time submission late.
SEND_GRACE = timedelta(days=2)
# Clocks of the services and the cluster may differ a little.
CLOCK_SKEW = timedelta(minutes=5)


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
    if name in progress.state.completed or progress.settled(name):
        raise ApplicationError(f"step {name} is already approved, waived or completed")


def needs_reason(reason: str, doing: str) -> None:
    if not reason.strip():
        raise ApplicationError(f"{doing} needs a reason")


def in_cycle(progress: Progress, member_state: str) -> None:
    if member_state not in progress.state.ledgers:
        plan = progress.plan
        raise ApplicationError(
            f"{member_state} is not a member state of the {plan.year} cycle "
            f"({', '.join(plan.member_states)})"
        )


def nominations_open(progress: Progress, member_state: str) -> None:
    in_cycle(progress, member_state)
    year = progress.plan.year
    if NOMINATION_STEP not in progress.state.opened:
        opens = when_it_opens(progress.plan.step(NOMINATION_STEP), workflow.now())
        raise ApplicationError(f"nominations for {year} are not open yet: {opens}")
    if NOMINATION_STEP in progress.state.completed or progress.settled(NOMINATION_STEP):
        raise ApplicationError(f"nominations for {year} are closed")


def domain_rule_allows(rule: Callable[[], object]) -> None:
    """Run a domain rule as the activity will; refuse the update if it would refuse."""
    try:
        rule()
    except DomainError as error:
        raise ApplicationError(str(error), type=type(error).__name__) from None
