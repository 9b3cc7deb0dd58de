"""Both calendar feeds hold every deadline of the plan from the day the cycle opens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar
from sqlalchemy import Engine

from feeds.ical import cycle_calendar
from tests.store.test_planned_steps import YEAR, opened_in_november, the_plan, view

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def events_of(feed: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in Calendar.from_ical(feed).walk("VEVENT")}


def test_the_feeds_hold_the_planned_deadlines_before_any_step_opens(engine: Engine) -> None:
    plan = the_plan()
    opened_in_november(engine, plan)
    shown = view(engine)

    whole = events_of(cycle_calendar(shown, now=NOW))
    malaysia = events_of(cycle_calendar(shown, now=NOW, member_state="MY"))

    assert set(whole) == {f"{YEAR}-{step.step}@ascn" for step in plan.steps}
    owed_by_states = {s.step for s in plan.steps if s.owed_by == "member_states"}
    assert set(malaysia) == {f"{YEAR}-{step}@ascn" for step in owed_by_states}
    nominations = whole[f"{YEAR}-nomination_deadline@ascn"]
    assert nominations.decoded("DTSTART") == plan.steps[0].deadline.replace(microsecond=0)
    assert str(nominations["SUMMARY"]) == f"ASCN {YEAR}: {plan.steps[0].title} due"
    # Midnight of 15 January in Jakarta is still the 14th in UTC: the feed says the 15th.
    assert f"It opens on {YEAR}-01-15." in str(nominations["DESCRIPTION"])
