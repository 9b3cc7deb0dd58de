"""GET /v1/cycles/{year}/report and /report/{version}, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from api.app import create_app
from domain.report import Report, from_json
from eventstore.schema import events as events_table
from eventstore.store import EventStore
from reports.source import fingerprint
from tests.api.conftest import NOW, FakeGateway, bearer, fake_cycles, user_with_token
from tests.report import seed

PROBLEM = "application/problem+json"


@pytest.fixture
def store(engine: Engine) -> EventStore:
    store = EventStore(engine)
    seed.append(store, seed.entries())
    as_of, sha = fingerprint(store, seed.REFERENCE, 2019, seed.NARRATIVE)
    seed.append(store, [seed.drafted(2019, 1, as_of, sha)])
    return store


@pytest.fixture
def client(engine: Engine, store: EventStore) -> Iterator[TestClient]:
    app = create_app(engine=engine, cycles=fake_cycles(engine, FakeGateway()), clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def nr(engine: Engine) -> dict[str, str]:
    return bearer(user_with_token(engine, "aziz", "nr:MY"))


def test_the_live_report_and_a_draft_as_json(
    client: TestClient, nr: dict[str, str], store: EventStore
) -> None:
    live = client.get("/v1/cycles/2019/report", headers=nr)
    assert live.status_code == 200, live.text
    assert live.headers["content-type"] == "application/json"
    report = from_json(live.content)
    assert isinstance(report, Report)
    assert report.meta.version is None
    assert report.meta.as_of_position == store.last_position()
    assert live.headers["Ascn-Report-As-Of"] == str(store.last_position())
    assert live.headers["Ascn-Report-Sha256"] == hashlib.sha256(live.content).hexdigest()
    assert report.narrative == seed.NARRATIVE

    draft = client.get("/v1/cycles/2019/report/1?format=json", headers=nr)
    assert draft.status_code == 200, draft.text
    recorded = store.read_stream("cycle-2019")[-1].data["document_sha256"]
    assert hashlib.sha256(draft.content).hexdigest() == recorded
    assert draft.headers["ETag"] == f'"{recorded}"'
    assert from_json(draft.content).meta.version == 1


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/v1/cycles/2031/report", 404, "no cycle for 2031"),
        ("/v1/cycles/2019/report/2", 404, "has no draft 2 (drafts: 1)"),
        ("/v1/cycles/2019/report/0", 422, "version"),
        ("/v1/cycles/2019/report?format=docx", 422, "format"),
    ],
)
def test_unknown_years_versions_and_formats_are_named(
    client: TestClient, nr: dict[str, str], path: str, status: int, words: str
) -> None:
    answer = client.get(path, headers=nr)
    assert answer.status_code == status
    assert answer.headers["content-type"] == PROBLEM
    assert words in answer.json()["detail"]


def test_an_altered_event_is_a_409_naming_both_digests(
    client: TestClient, nr: dict[str, str], engine: Engine, store: EventStore
) -> None:
    recorded = store.read_stream("cycle-2019")[-1].data["document_sha256"]
    with engine.begin() as conn:
        row = conn.execute(
            select(events_table.c.position, events_table.c.data).where(
                events_table.c.type == "NilReturnDeclared"
            )
        ).one()
        conn.execute(
            update(events_table)
            .where(events_table.c.position == row.position)
            .values(data={**row.data, "carried_forward_from": 2017})
        )
    answer = client.get("/v1/cycles/2019/report/1", headers=nr)
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert f"recorded sha256 {recorded}" in detail
    assert "draft 1 of the 2019 report" in detail
    # The live report makes no claim, so it still reads.
    assert client.get("/v1/cycles/2019/report", headers=nr).status_code == 200


def test_a_csco_and_the_unsigned_may_not_read_it(client: TestClient, engine: Engine) -> None:
    csco = bearer(user_with_token(engine, "csco-kh", "csco:KH-siem-reap"))
    assert client.get("/v1/cycles/2019/report", headers=csco).status_code == 403
    assert client.get("/v1/cycles/2019/report").status_code == 401
