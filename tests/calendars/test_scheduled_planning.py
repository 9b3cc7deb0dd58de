"""The yearly Schedule's planning activity looks the working days up as it plans, so a
cycle it starts reminds at civil hours like one started through the API."""

from __future__ import annotations

from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.planning import PlanningActivities, PlanRequest
from domain.reference import ReferenceData
from eventstore.store import EventStore


def test_the_planning_activity_carries_each_readers_working_days(engine: Engine) -> None:
    activities = PlanningActivities(ReferenceData.load(), EventStore(engine))

    planned = ActivityEnvironment().run(activities.plan_cycle, PlanRequest(year=2027))

    civil = planned.plan.civil
    assert civil is not None
    assert civil.source.startswith("holidays ")
    expected = {*planned.plan.member_states, planned.plan.chair, planned.plan.shepherd, "ID"}
    assert set(civil.states) == expected
    assert civil.states["BN"].weekend == (4, 6)  # Friday and Sunday
    assert civil.states["PH"].zone == "Asia/Manila"
    assert any(day.year == 2027 for day in civil.states["VN"].holidays)
