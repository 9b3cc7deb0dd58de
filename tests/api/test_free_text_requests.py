"""Free text through the API is held to the one rule (domain.text): a control character
or a bidirectional control in a name, or a control character other than a line feed or
a tab in a reason or a narrative, is a 422 naming the field and the character, and
nothing reaches the cycle or a stream."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import FakeGateway, bearer
from tests.api.test_problems import problem_of
from workflows.messages import WaiveStepUpdate

INJECTED = "w\x1b[31m\r\nX-Injected: 1"
PLAN = {
    "city_id": "KH-siem-reap", "period_start": 2018, "period_end": 2025,
    "projects": [{"project_id": "smart-traffic", "title": "Smart \u202etraffic",
                  "focus_areas": ["built_infrastructure"]}],
}  # fmt: skip


def nominations(city: str = "Kuala Lumpur", nr: str = "NR Malaysia") -> dict[str, Any]:
    return {
        "member_state": "MY",
        "national_representative": {"name": nr, "email": "nr@example.org"},
        "cities": [{"city": city, "csco": {"name": "CSCO KL", "email": "kl@example.org"}}],
    }


CASES = [
    ("chair_team:SG", "/v1/cycles/2027/steps/scgw/waive", {"reason": INJECTED},
     "reason", "character 2 is U+001B ESC"),
    ("chair_team:SG", "/v1/cycles/2027/steps/scgw/extend",
     {"new_deadline": "2027-12-01", "reason": "a\x1b[2J\x07"}, "reason", "character 2 is U+001B"),
    ("nr:MY", "/v1/cycles/2027/candidature-cities", {"member_state": "MY", "city": "Bau\u202ecau"},
     "city", "character 4 is U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("nr:MY", "/v1/cycles/2027/nominations", nominations(nr="NR\u2067 MY"),
     "national_representative.name", "character 3 is U+2067"),
    ("nr:MY", "/v1/cycles/2027/nominations", nominations(city="Ipoh\r\n"),
     "cities.0.city", "character 5 is U+000D CARRIAGE RETURN"),
    ("chair_team:SG", "/v1/cycles/2027/exceptions",
     {"member_state": "MY", "exception_id": "x\x07", "rule": "capital_required",
      "reason": "ok"}, "exception_id", "character 2 is U+0007 BEL"),
    ("chair_team:SG", "/v1/cycles/2027/steps/scgw/decisions",
     {"body": "JCM", "decision": "noted", "decided_on": "2027-03-01",
      "meeting": "JCM \u202a1", "concerning": "report"}, "meeting", "character 5 is U+202A"),
    ("asec", "/v1/cycles/2027/report/drafts",
     {"narrative": [{"heading": "Foreword", "text": "ok\n\tfine"},
                    {"heading": "Outcomes", "text": "a\x1b[2J\x07"}]},
     "narrative.1.text", "character 2 is U+001B ESC"),
    ("asec", "/v1/cycles/2027/report/drafts",
     {"narrative": [{"heading": "Fore\u202eword", "text": "text"}]},
     "narrative.0.heading", "character 5 is U+202E"),
    ("csco:KH-siem-reap", "/v1/plans", PLAN, "projects.0.title", "character 7 is U+202E"),
    ("asec", "/v1/not-assessed",
     {"year": 2027, "city_id": "KH-siem-reap", "project_id": "smart-traffic",
      "reason": "no\x1b report"}, "reason", "character 3 is U+001B"),
]  # fmt: skip


@pytest.mark.parametrize(("role", "path", "body", "field", "says"), CASES)
def test_refused_text_is_422_naming_the_field_and_nothing_is_sent(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str],
    role: str, path: str, body: dict[str, Any], field: str, says: str,
) -> None:  # fmt: skip
    response = client.post(path, json=body, headers=bearer(tokens[role]))

    problem = problem_of(response, 422)
    assert [(e["field"], e["message"][: len(says)]) for e in problem["errors"]] == [(field, says)]
    assert gateway.calls == []


def test_a_reason_of_several_lines_with_tabs_passes(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    reason = "The SCGW met late:\n\t- quorum\n\t- venue"
    response = client.post(
        "/v1/cycles/2027/steps/scgw/waive", json={"reason": reason},
        headers=bearer(tokens["chair_team:SG"]),
    )  # fmt: skip

    assert response.status_code == 200, response.text
    assert [call.method for call in gateway.calls] == ["waive_step"]
    payload = gateway.calls[0].payload
    assert isinstance(payload, WaiveStepUpdate)
    assert payload.reason == reason
