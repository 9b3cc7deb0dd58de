"""Each answer has the status its cause calls for: 404 for what does not exist, 422 for
a request that is incomplete or out of range, whatever the cycle would have said."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.errors import UnknownStep
from tests.api.conftest import FakeGateway, bearer
from tests.api.test_problems import problem_of

NO_CYCLE_YEAR = 1999
"""FakeStatus knows a cycle for every year but this one."""


def test_an_unknown_step_is_404(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    gateway.error = UnknownStep("no step 'x' in the 2027 cycle; steps: nomination_deadline")

    response = client.post("/v1/cycles/2027/steps/x/approve", headers=bearer(tokens["asec"]))

    problem = problem_of(response, 404)
    assert problem["type"] == "urn:ascn:problem:unknown-step"
    assert problem["detail"].startswith("no step 'x' in the 2027 cycle")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rule": "max_cities"}, "Field required when rule is max_cities"),
        (
            {"rule": "capital_required", "max_cities": 4},
            "must be left out when rule is capital_required",
        ),
    ],
)
def test_max_cities_missing_or_misplaced_is_422_before_the_cycle(
    client: TestClient,
    gateway: FakeGateway,
    tokens: dict[str, str],
    body: dict[str, object],
    message: str,
) -> None:
    grant = {"member_state": "MY", "exception_id": "MY-2027-4", "reason": "a fourth city", **body}

    response = client.post(
        "/v1/cycles/2027/exceptions", json=grant, headers=bearer(tokens["chair_team:SG"])
    )

    problem = problem_of(response, 422)
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [("max_cities", message)]
    assert gateway.calls == []


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/cycles/{NO_CYCLE_YEAR}",
        f"/v1/cycles/{NO_CYCLE_YEAR}/calendar.ics",
        f"/v1/cycles/{NO_CYCLE_YEAR}/calendar/MY.ics",
        f"/v1/cycles/{NO_CYCLE_YEAR}/nominations",
    ],
)
def test_every_read_of_a_year_with_no_cycle_is_404(
    client: TestClient, tokens: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=bearer(tokens["shepherd:ID"]))

    problem = problem_of(response, 404)
    assert problem["type"] == "urn:ascn:problem:no-cycle"
    assert problem["detail"] == f"no cycle is known for {NO_CYCLE_YEAR}"


def test_a_position_beyond_64_bits_is_422_and_the_largest_one_is_read(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["asec"])

    beyond = client.get(f"/v1/events?after={2**63}", headers=headers)
    largest = client.get(f"/v1/events?after={2**63 - 1}", headers=headers)

    assert [e["field"] for e in problem_of(beyond, 422)["errors"]] == ["after"]
    assert largest.json() == {"events": [], "next_after": 2**63 - 1}
