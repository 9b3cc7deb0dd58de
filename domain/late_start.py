"""A cycle started after its first deadline: refused unless the starter says it is meant.

A cycle whose first deadline has passed would, the moment it starts, escalate every
party owing that step through every rung of its ladder and queue the mails. A real
shepherd starting the year late wants dates still ahead (a calendar file), or is
recording a year that has passed and says so.
"""

from __future__ import annotations

from datetime import datetime

from domain.calendar import CyclePlan
from domain.errors import DomainError


class PastDeadlines(DomainError):
    """The cycle's first deadline is already past at its start."""


def refuse_past_deadlines(plan: CyclePlan, now: datetime) -> None:
    """Refused, naming the first deadline, how many have passed and how to go on, if the
    plan's first deadline is at or before ``now``."""
    first = plan.steps[0]
    if first.deadline > now:
        return
    passed = sum(1 for step in plan.steps if step.deadline <= now)
    raise PastDeadlines(
        f"the {plan.year} cycle's first deadline, {first.step} at "
        f"{first.deadline.isoformat(timespec='minutes')}, has passed ({passed} of "
        f"{len(plan.steps)} deadlines are before now, "
        f"{now.astimezone(first.deadline.tzinfo).isoformat(timespec='minutes')}): started "
        "so, it would escalate every party at once; nothing was started. Give dates still "
        "ahead in a calendar file (ascn cycle start --calendar FILE; see ascn calendar "
        "check), or, to record a year that has passed, allow it (--allow-past-deadlines; "
        "API: allow_past_deadlines)"
    )
