"""Where each fact lives in the event store.

One stream per cycle year (steps, deadlines, approvals) and one per member state
across years (its nominations, exceptions and nil returns), so that the rules for
one member state read one stream, and member states never contend with each other.
"""

from __future__ import annotations


def cycle_stream(year: int) -> str:
    return f"cycle-{year}"


def nominations_stream(member_state: str) -> str:
    return f"nominations-{member_state}"
