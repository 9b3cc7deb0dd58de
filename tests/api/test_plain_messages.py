"""Refusals in the users' words: a code that is no member state is said to be one, a
narrative of too many sections is counted, a chair's team nominating is told who may."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import FakeGateway, bearer
from tests.api.test_problems import problem_of

PERSON = {"name": "Someone", "email": "someone@example.org"}


def test_nominations_for_a_code_that_is_no_member_state_say_so(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    body = {"member_state": "XX", "national_representative": PERSON,
            "cities": [{"city": "Nowhere", "csco": PERSON}]}  # fmt: skip
    response = client.post(
        "/v1/cycles/2027/nominations", json=body, headers=bearer(tokens["nr:MY"])
    )

    detail = problem_of(response, 409)["detail"]
    assert detail.startswith("unknown member state 'XX': no ASEAN member state has that code")
    assert "only the NR" not in detail
    assert gateway.calls == []


def test_a_chairs_team_nominating_is_told_who_may_without_none(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    body = {"member_state": "MY", "national_representative": PERSON, "cities": []}
    response = client.post(
        "/v1/cycles/2027/nominations", json=body, headers=bearer(tokens["chair_team:SG"])
    )

    detail = problem_of(response, 403)["detail"]
    assert "None" not in detail
    assert detail.endswith("only the NR of the member state (nr:<AMS>) may")
    assert gateway.calls == []


def test_too_many_sections_are_counted_in_the_drafters_words(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    sections = [{"heading": f"Part {n}", "text": "text"} for n in range(25)]
    response = client.post(
        "/v1/cycles/2027/report/drafts", json={"narrative": sections},
        headers=bearer(tokens["asec"]),
    )  # fmt: skip

    problem = problem_of(response, 422)
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [
        (
            "narrative",
            "25 sections; at most 20 (merge some, or leave to the report what it computes)",
        )
    ]
    assert gateway.calls == []
