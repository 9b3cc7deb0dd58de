"""The routes of action plans, assessments, partners and twinning over the fake gateway:
what reaches the services, what is refused before (naming the field), and the reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ascn.projections import catch_up_all
from domain.actors import Actor
from domain.monitoring import assess
from domain.partners import add_partner
from domain.plans import PlanState, submit_plan
from domain.records import RecordsState
from domain.reference import ReferenceData
from eventstore.codec import to_new_event
from eventstore.store import EventStore
from tests.api.conftest import FakeGateway, bearer
from tests.records.builders import SIEM_REAP, assessment, partner, plan, project
from workflows.records import RecordUpdate

PROJECT = {"project_id": "smart-traffic", "title": "Smart traffic lights",
           "focus_areas": ["built_infrastructure"], "status": "ongoing",
           "milestones": [{"title": "Pilot", "due": "2019-06-30"}]}  # fmt: skip
PLAN = {"city_id": SIEM_REAP, "period_start": 2018, "period_end": 2025, "projects": [PROJECT]}
CSCO = "csco:KH-siem-reap"


def post(client: TestClient, tokens: dict[str, str], role: str, path: str, body: Any,
         **headers: str) -> Any:  # fmt: skip
    return client.post(path, json=body, headers={**bearer(tokens[role]), **headers})


def test_a_plan_reaches_its_streams_workflow_sealed(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    response = post(client, tokens, CSCO, "/v1/plans", PLAN)
    assert response.status_code == 200, response.text
    assert response.json() == {"stream": f"plan-{SIEM_REAP}", "recorded": ["record-recorded"]}
    (call,) = gateway.calls
    assert gateway.streams == [f"plan-{SIEM_REAP}"]
    assert isinstance(call.payload, RecordUpdate)
    assert call.payload.kind == "submit_plan"
    assert call.payload.command["projects"][0]["focus_areas"] == ["built_infrastructure"]
    assert call.actor == Actor(id="csco-siem-reap", role=CSCO)


def test_the_nr_of_the_citys_member_state_may_submit_but_not_another(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    other = post(client, tokens, "nr:MY", "/v1/plans", PLAN)
    assert other.status_code == 403
    assert "csco:KH-siem-reap" in other.json()["detail"]
    mine = post(client, tokens, "nr:MY", "/v1/plans", {**PLAN, "city_id": "MY-kuching"})
    assert mine.status_code == 200, mine.text
    assert gateway.streams == ["plan-MY-kuching"]


def test_an_unknown_focus_area_is_a_409_naming_it_and_nothing_is_sent(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    bad = {**PLAN, "projects": [{**PROJECT, "focus_areas": ["space_travel"]}]}
    response = post(client, tokens, CSCO, "/v1/plans", bad)
    assert response.status_code == 409
    assert "unknown focus area 'space_travel'" in response.json()["detail"]
    assert gateway.calls == []


def test_bad_fields_are_a_422_naming_the_field(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    backwards = post(client, tokens, CSCO, "/v1/plans", {**PLAN, "period_end": 2017})
    assert backwards.status_code == 422
    assert "period_end (2017) is before period_start" in backwards.json()["detail"]
    link = {"year": 2019, "city_id": SIEM_REAP, "project_id": "smart-traffic",
            "status": "ongoing", "evidence": "seen", "links": ["ftp://example.org/x"]}  # fmt: skip
    refused = post(client, tokens, "asec", "/v1/assessments", link)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["links.0"]
    far = post(client, tokens, "chair_team:SG", "/v1/twinning",
               {"city_id": SIEM_REAP, "partner_id": "jica", "starts": "2018-01-01",
                "ends": "2999-01-01"})  # fmt: skip
    assert far.status_code == 422
    assert "ends" in far.text
    assert gateway.calls == []


def test_a_retry_with_the_same_key_reaches_the_gateway_once(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    body = {"partner_id": "jica", "name": "JICA", "kind": "government", "year": 2027}
    key = f"partner-{uuid.uuid4().hex}"
    first = post(client, tokens, "chair_team:SG", "/v1/partners", body, **{"Idempotency-Key": key})
    again = post(client, tokens, "chair_team:SG", "/v1/partners", body, **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(gateway.calls) == 1


def test_the_reads_show_what_is_recorded(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    reference = ReferenceData.load()
    store = EventStore(api_engine)
    at = datetime(2019, 5, 1, tzinfo=UTC)

    def append(stream: str, facts: list[Any], actor: Actor) -> None:
        new = [to_new_event(f, event_id=uuid.uuid4(), occurred_at=at, actor=actor) for f in facts]
        store.append(stream, new, expected_version=store.stream_version(stream))

    csco = Actor(id="csco-siem-reap", role=CSCO)
    wifi = project("wifi", title="Wi-Fi", focus_areas=("civic_and_social",))
    first = submit_plan(PlanState(), plan(SIEM_REAP, project(), wifi), reference)
    append(f"plan-{SIEM_REAP}", first, csco)
    append("monitoring-2019", assess(RecordsState().monitoring, assessment(), None),
           Actor(id="imd", role="asec"))  # fmt: skip
    append("partners", add_partner(RecordsState().partners, partner(), reference),
           Actor.chair_team("SG", "t"))  # fmt: skip
    catch_up_all(api_engine)

    as_csco = bearer(tokens[CSCO])
    versions = client.get(f"/v1/plans/{SIEM_REAP}", headers=as_csco).json()
    assert [v["version"] for v in versions] == [1]
    assert [p["project_id"] for p in versions[0]["projects"]] == ["smart-traffic", "wifi"]
    projects = client.get("/v1/projects/2019", headers=as_csco).json()
    assert [(p["project_id"], p["assessment"] is not None) for p in projects] == [
        ("smart-traffic", True), ("wifi", False),
    ]  # fmt: skip
    unassessed = client.get("/v1/projects/2019/unassessed", headers=as_csco)
    assert unassessed.json() == [f"{SIEM_REAP}/wifi"]
    partners = client.get("/v1/partners", headers=as_csco).json()
    assert [p["partner_id"] for p in partners] == ["jica"]
    assert client.get("/v1/plans/KH-no-such-city", headers=as_csco).json() == []
    assert client.get("/v1/plans/not a city", headers=as_csco).status_code == 422
