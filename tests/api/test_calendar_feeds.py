"""The calendar feeds over HTTP: text/calendar, for whoever may read the status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.api.conftest import bearer


def test_the_cycle_feed_is_icalendar(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.get("/v1/cycles/2027/calendar.ics", headers=bearer(tokens["nr:MY"]))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == "2027-nomination_deadline@ascn"


def test_a_member_state_feed(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.get("/v1/cycles/2027/calendar/MY.ics", headers=bearer(tokens["admin"]))

    assert response.status_code == 200
    assert "ASCN cycle 2027 (MY)" in response.text


def test_unknown_cycles_and_member_states_are_404(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["shepherd:ID"])

    assert client.get("/v1/cycles/1999/calendar.ics", headers=headers).status_code == 404
    assert client.get("/v1/cycles/2027/calendar/XX.ics", headers=headers).status_code == 404
