"""A step not open yet is said to open at its planned instant, never at one already past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.calendar import PlannedStep
from domain.opening import when_it_opens

OPENS = datetime(2027, 1, 15, tzinfo=UTC)
STEP = PlannedStep(
    step="nomination_deadline", title="Nominations", owed_by="member_states",
    opens_at=OPENS, deadline=OPENS + timedelta(days=44),
)  # fmt: skip


def test_a_step_ahead_says_when_it_opens() -> None:
    assert when_it_opens(STEP, OPENS - timedelta(days=3)) == f"it opens at {OPENS.isoformat()}"


def test_a_step_whose_instant_passed_gives_no_date() -> None:
    said = when_it_opens(STEP, OPENS + timedelta(days=30))

    assert said == "it is being opened now; try again in a minute"
    assert "2027" not in said
