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


def test_an_nr_reads_its_own_member_states_calendar_only_by_token_as_by_feed(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """One rule (``domain.access``, ``READ_STATE_CALENDAR``) for both ways in."""
    headers = bearer(tokens["nr:MY"])
    own = client.get("/v1/cycles/2027/calendar/MY.ics", headers=headers)
    other = client.get("/v1/cycles/2027/calendar/TH.ics", headers=headers)
    feed = client.post("/v1/feeds", headers=headers).json()["member_state_feed"]
    other_by_feed = client.get(feed.replace("{year}", "2027").replace("{AMS}", "TH"))

    assert own.status_code == 200
    assert other.status_code == other_by_feed.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["detail"] == other_by_feed.json()["detail"]
    assert other.json()["detail"] == (
        "nr:MY/nr-my may not read the calendar of TH: an NR reads its own member state's "
        "only; the NR of TH (nr:TH), the Chair's teams, the shepherd, ASEC and admins may"
    )
