"""Calendar feeds: parsed back with icalendar, UIDs stable, SEQUENCE follows extensions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar
from sqlalchemy import Engine

from eventstore.projections import ProjectionRunner
from eventstore.readmodels.cycles import CycleProjection, CycleView, cycle_view
from feeds.ical import cycle_calendar
from tests.mail.conftest import DEADLINE, YEAR, Cycle

NOW = datetime(2027, 2, 20, tzinfo=UTC)


def view(engine: Engine) -> CycleView:
    ProjectionRunner(engine, CycleProjection()).catch_up()
    found = cycle_view(engine, YEAR)
    assert found is not None
    return found


def events_of(feed: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(feed)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_one_event_per_step_deadline_with_alarms(engine: Engine, cycle: Cycle) -> None:
    cycle.opened()
    cycle.opened(step="scgw", deadline=DEADLINE + timedelta(days=90))

    feed = cycle_calendar(view(engine), now=NOW)

    calendar = Calendar.from_ical(feed)
    assert str(calendar["X-WR-CALNAME"]) == "ASCN cycle 2027"
    events = events_of(feed)
    assert set(events) == {"2027-nomination_deadline@ascn", "2027-scgw@ascn"}
    nomination = events["2027-nomination_deadline@ascn"]
    assert nomination.decoded("DTSTART") == DEADLINE
    assert int(nomination["SEQUENCE"]) == 0
    assert "nominations" in str(nomination["SUMMARY"]).lower()
    triggers = sorted(alarm.decoded("TRIGGER") for alarm in nomination.walk("VALARM"))
    assert triggers == [timedelta(days=-14), timedelta(days=-7), timedelta(days=-1)]


def test_an_extension_moves_the_event_in_place(engine: Engine, cycle: Cycle) -> None:
    cycle.opened()
    before = events_of(cycle_calendar(view(engine), now=NOW))

    cycle.extended(DEADLINE + timedelta(days=7))
    after = events_of(cycle_calendar(view(engine), now=NOW))

    assert set(before) == set(after) == {"2027-nomination_deadline@ascn"}
    moved = after["2027-nomination_deadline@ascn"]
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART") == DEADLINE + timedelta(days=7)


def test_a_member_state_feed_holds_the_steps_it_owes(engine: Engine, cycle: Cycle) -> None:
    cycle.opened()
    cycle.opened(step="scgw", deadline=DEADLINE + timedelta(days=90))
    cycle.opened(step="jcm_submission", deadline=DEADLINE + timedelta(days=200))

    feed = cycle_calendar(view(engine), now=NOW, member_state="MY")

    assert str(Calendar.from_ical(feed)["X-WR-CALNAME"]) == "ASCN cycle 2027 (MY)"
    owed = set(events_of(feed))
    assert "2027-nomination_deadline@ascn" in owed
    assert "2027-jcm_submission@ascn" not in owed
