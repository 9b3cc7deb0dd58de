"""The checks update validators make before anything reaches history.

Each raises an ApplicationError whose message names the problem; the caller of the
update receives it, and the workflow's history does not change.
"""

from __future__ import annotations

from collections.abc import Callable

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


def domain_rule_allows(rule: Callable[[], object]) -> None:
    """Run a domain rule as the activity will; refuse the update if it would refuse."""
    try:
        rule()
    except DomainError as error:
        raise ApplicationError(str(error), type=type(error).__name__) from None
