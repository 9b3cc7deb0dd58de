"""The checks update validators make before anything reaches history.

Each raises an ApplicationError whose message names the problem; the caller of the
update receives it, and the workflow's history does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio.exceptions import ApplicationError

from domain.actors import Actor
from domain.calendar import PlannedStep
from domain.errors import DomainError
from workflows.progress import NOMINATION_STEP, Progress


def chair_team_only(actor: Actor, action: str) -> None:
    if not actor.is_chair_team:
        raise ApplicationError(
            f"{actor.label} may not {action}: only the Chair's team (chair_team) may"
        )


def known_step(progress: Progress, name: str) -> PlannedStep:
    try:
        return progress.plan.step(name)
    except KeyError as error:
        raise ApplicationError(str(error.args[0])) from None


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


def nominations_open(progress: Progress, actor: Actor, member_state: str) -> None:
    in_cycle(progress, member_state)
    if not actor.is_nr_of(member_state):
        raise ApplicationError(
            f"{actor.label} may not submit for {member_state}: only its NR (nr:{member_state}) may"
        )
    year = progress.plan.year
    if NOMINATION_STEP not in progress.state.opened:
        raise ApplicationError(f"nominations for {year} are not open yet")
    if NOMINATION_STEP in progress.state.completed or progress.settled(NOMINATION_STEP):
        raise ApplicationError(f"nominations for {year} are closed")


# How long a submission may take to reach the cycle: a worker outage or backlog at the
# deadline shorter than this does not make an on-time submission late.
SEND_GRACE = timedelta(days=2)


def recently_sent(sent_at: datetime | None, now: datetime) -> None:
    if sent_at is None:
        return
    if sent_at > now:
        raise ApplicationError(f"sent_at {sent_at.isoformat()} is in the future")
    if now - sent_at > SEND_GRACE:
        raise ApplicationError(
            f"sent_at {sent_at.isoformat()} is more than {SEND_GRACE.days} days ago; "
            "submit again without it"
        )


def domain_rule_allows(rule: Callable[[], object]) -> None:
    """Run a domain rule as the activity will; refuse the update if it would refuse."""
    try:
        rule()
    except DomainError as error:
        raise ApplicationError(str(error), type=type(error).__name__) from None
