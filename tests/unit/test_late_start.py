"""A cycle started after its first deadline is refused, naming the deadline and the ways
on; the clock is the caller's (fixed here), never today's date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.late_start import PastDeadlines, refuse_past_deadlines
from domain.planning import plan_cycle
from domain.reference import ReferenceData

PLAN_2026 = plan_cycle(ReferenceData.load(), 2026, "recurring")
FIRST = PLAN_2026.steps[0]


def test_a_start_on_29_november_is_refused_naming_the_first_deadline() -> None:
    now = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    with pytest.raises(PastDeadlines) as refused:
        refuse_past_deadlines(PLAN_2026, now)
    message = str(refused.value)
    assert message.startswith(
        "the 2026 cycle's first deadline, nomination_deadline at 2026-02-28T23:59+07:00, "
        "has passed ("
    )
    passed = sum(1 for s in PLAN_2026.steps if s.deadline <= now)
    assert (
        f"{passed} of {len(PLAN_2026.steps)} deadlines are before now, 2026-11-29T12:00+07:00"
        in (message)
    )
    assert "--calendar FILE" in message
    assert "--allow-past-deadlines" in message


@pytest.mark.parametrize("before", [timedelta(days=300), timedelta(microseconds=1)])
def test_a_start_before_the_first_deadline_passes(before: timedelta) -> None:
    refuse_past_deadlines(PLAN_2026, FIRST.deadline - before)  # raises nothing


def test_the_deadline_itself_is_already_too_late() -> None:
    with pytest.raises(PastDeadlines):
        refuse_past_deadlines(PLAN_2026, FIRST.deadline)
