"""POST /v1/cycles with a calendar: the year's real dates; a bad file names each problem."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import FakeGateway, bearer
from tests.api.test_problems import problem_of
from workflows.messages import CycleInput

CALENDAR: dict[str, Any] = {
    "year": 2027, "template": "recurring", "zone": "Asia/Manila",
    "annual_meeting": {"host": "PH", "venue": "Manila, Philippines"},
    "reminders": [{"rung": "T-10", "days_before": 10}],
    "steps": [{"step": "annual_meeting", "opens": "2027-06-01", "due": "2027-08-20"}],
}  # fmt: skip


@pytest.fixture
def started(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> list[CycleInput]:
    seen: list[CycleInput] = []
    original = gateway.start_cycle

    async def capture(cycle: CycleInput, actor: Any) -> str:
        seen.append(cycle)
        return await original(cycle, actor)

    monkeypatch.setattr(gateway, "start_cycle", capture)
    return seen


def test_a_cycle_starts_from_its_calendar(
    client: TestClient, tokens: dict[str, str], started: list[CycleInput]
) -> None:
    response = client.post(
        "/v1/cycles", json={"year": 2027, "calendar": CALENDAR},
        headers=bearer(tokens["shepherd:ID"]),
    )  # fmt: skip

    assert response.status_code == 201, response.text
    [cycle] = started
    plan = cycle.plan
    assert plan.zone == "Asia/Manila"
    assert plan.step("annual_meeting").deadline.date().isoformat() == "2027-08-20"
    assert plan.step("annual_meeting").title.endswith("Manila, Philippines")
    assert [r.rung for r in plan.reminders] == ["T-10"]
    assert plan.civil is not None
    assert plan.civil.states["PH"].zone == "Asia/Manila"


def test_a_bad_calendar_names_every_problem_and_starts_nothing(
    client: TestClient, tokens: dict[str, str], gateway: FakeGateway
) -> None:
    bad = {
        **CALENDAR, "zone": "Mars/Olympus",
        "steps": [{"step": "annual_meeting", "opens": "2027-06-20", "due": "2027-06-10"},
                  {"step": "picnic", "opens": "2027-06-01", "due": "2027-06-02"}],
    }  # fmt: skip
    response = client.post(
        "/v1/cycles", json={"year": 2027, "calendar": bad}, headers=bearer(tokens["shepherd:ID"])
    )

    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["calendar.zone", "calendar.steps[0].due", "calendar.steps[1].step"]
    assert gateway.calls == []


def test_the_calendar_is_for_the_year_started(
    client: TestClient, tokens: dict[str, str], gateway: FakeGateway
) -> None:
    response = client.post(
        "/v1/cycles", json={"year": 2028, "calendar": CALENDAR},
        headers=bearer(tokens["shepherd:ID"]),
    )  # fmt: skip

    assert response.status_code == 422, response.text
    assert "the calendar is for 2027, not 2028" in response.json()["detail"]
    assert gateway.calls == []


def test_a_cycle_whose_first_deadline_passed_is_refused_unless_allowed(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    """At NOW (10 February 2027) the 2026 cycle's deadlines are all past: started so, it
    would escalate every party at once."""
    headers = bearer(tokens["shepherd:ID"])
    late = client.post("/v1/cycles", json={"year": 2026}, headers=headers)

    problem = problem_of(late, 409)
    assert problem["detail"].startswith(
        "the 2026 cycle's first deadline, nomination_deadline at 2026-02-28T23:59+07:00, has passed"
    )
    assert gateway.calls == []

    meant = client.post(
        "/v1/cycles", json={"year": 2026, "allow_past_deadlines": True}, headers=headers
    )
    assert meant.status_code == 201, meant.text
    assert [call.method for call in gateway.calls] == ["start_cycle"]
