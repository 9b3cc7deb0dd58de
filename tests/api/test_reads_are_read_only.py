"""Reads only read: every GET and every reading command leaves the database as it was,
and says how far the read models trail the store instead of catching them up."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from api.app import create_app
from ascn.cli import app as cli
from ascn.projections import catch_up_all
from domain.actors import Actor
from domain.events import (
    CityNomination,
    CycleOpened,
    DomainEvent,
    NominationsSubmitted,
    Person,
    ReminderSent,
    ReportDrafted,
    StepEscalated,
    StepOpened,
)
from domain.reference import ReferenceData
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_new_event
from eventstore.readmodels import accounts_tables as _api_tables  # noqa: F401  (registers the tables the dump reads)
from eventstore.schema import metadata
from eventstore.store import EventStore
from reports.source import fingerprint
from services import feeds, users
from tests.api.conftest import NOW, FakeGateway, bearer, fake_cycles, user_with_token

YEAR = 2027
STEP = "nomination_deadline"
SYSTEM = Actor(id="cycle", role="system")
READS = {
    f"/v1/cycles/{YEAR}",
    f"/v1/cycles/{YEAR}/calendar.ics",
    f"/v1/cycles/{YEAR}/calendar/MY.ics",
    f"/v1/cycles/{YEAR}/nominations",
    f"/v1/cycles/{YEAR}/decisions",
    "/v1/membership",
    "/v1/events",
    "/v1/ledger/checkpoints",
    "/v1/me",
    "/v1/users",
    "/v1/feeds",
    f"/v1/feeds/{{token}}/cycles/{YEAR}.ics",
    f"/v1/feeds/{{token}}/cycles/{YEAR}/MY.ics",
    "/v1/plans",
    "/v1/plans/KH-siem-reap",
    f"/v1/projects/{YEAR}",
    f"/v1/projects/{YEAR}/unassessed",
    "/v1/partners",
    "/v1/twinning",
    f"/v1/meeting-outcomes/{YEAR}",
    f"/v1/cycles/{YEAR}/report",
    f"/v1/cycles/{YEAR}/report/1",
}
ADMIN_READS = {"/v1/users"}


class Recorder:
    def __init__(self, engine: Engine) -> None:
        self.store = EventStore(engine)
        self.at = datetime(2027, 1, 5, 9, tzinfo=UTC)

    def record(self, stream: str, fact: DomainEvent) -> None:
        self.at += timedelta(hours=1)
        new = to_new_event(fact, event_id=uuid.uuid4(), occurred_at=self.at, actor=SYSTEM)
        self.store.append(stream, [new], expected_version=None)

    def cycle(self, fact: DomainEvent) -> None:
        self.record(cycle_stream(YEAR), fact)

    def nominates(self, code: str) -> None:
        person = Person(name=f"NR {code}", email=f"nr@{code.lower()}.example")
        city = CityNomination(city=f"Capital of {code}", capital=True, csco=person)
        fact = NominationsSubmitted(
            year=YEAR, member_state=code, national_representative=person, cities=(city,)
        )
        self.record(nominations_stream(code), fact)


@pytest.fixture
def recorder(engine: Engine) -> Recorder:
    return Recorder(engine)


@pytest.fixture
def token(engine: Engine) -> str:
    return user_with_token(engine, "sam", "shepherd:ID")


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    app: FastAPI = create_app(
        engine=engine, cycles=fake_cycles(engine, FakeGateway()), clock=lambda: NOW
    )
    with TestClient(app) as test_client:
        yield test_client


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def ascn(*args: str) -> Result:
    """The command in this process; its logging set-up is undone afterwards, since its
    handler writes to a stream that closes with the run."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        root.handlers[:], root.level = handlers, level
        structlog.reset_defaults()


def output(*args: str) -> str:
    result = ascn(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_read_writes_nothing_and_reports_the_lag(
    engine: Engine, database_url: str, recorder: Recorder, token: str, client: TestClient
) -> None:
    admin = user_with_token(engine, "root", "admin")
    directory = users.Directory(store=recorder.store, clock=lambda: NOW)
    feed = feeds.issue_feed(directory, Actor(id="sam", role="shepherd:ID")).token
    deadline = datetime(2027, 2, 28, 17, tzinfo=UTC)
    recorder.cycle(CycleOpened(year=YEAR, chair="PH", shepherd="SG", template="recurring"))
    recorder.cycle(StepOpened(year=YEAR, step=STEP, deadline=deadline))
    recorder.cycle(ReminderSent(year=YEAR, step=STEP, rung="T-14", recipients=("nr:MY",)))
    recorder.nominates("SG")
    as_of, sha = fingerprint(recorder.store, ReferenceData.load(), YEAR, ())
    recorder.cycle(ReportDrafted(year=YEAR, version=1, as_of_position=as_of, document_sha256=sha))
    catch_up_all(engine)
    projected = recorder.store.last_position()
    recorder.cycle(ReminderSent(year=YEAR, step=STEP, rung="T-7", recipients=("nr:MY",)))
    recorder.cycle(
        StepEscalated(year=YEAR, step=STEP, rung="deadline", escalated_to="shepherd:SG",
                      outstanding=("nr:MY",))
    )  # fmt: skip
    recorder.nominates("TH")
    head = recorder.store.last_position()
    gets = {path for path, ops in client.app.openapi()["paths"].items() if "get" in ops}  # type: ignore[attr-defined]
    assert {
        p.replace("{year}", str(YEAR)).replace("{member_state}", "MY")
        .replace("{city_id}", "KH-siem-reap").replace("{version}", "1") for p in gets
    } == READS  # fmt: skip
    before = dump(engine)

    responses = {
        path: client.get(
            path.replace("{token}", feed), headers=bearer(admin if path in ADMIN_READS else token)
        )
        for path in sorted(READS)
    }
    status_text = output("status", "--year", str(YEAR), "--db", database_url)
    output("calendar", "--year", str(YEAR), "--db", database_url)
    listed = output("nominations", "--year", str(YEAR), "--db", database_url, "--json")
    output("report", "--year", str(YEAR), "--version", "1", "--out", "-", "--db", database_url)

    assert dump(engine) == before
    assert {path: r.status_code for path, r in responses.items()} == dict.fromkeys(READS, 200)
    status = responses[f"/v1/cycles/{YEAR}"].json()
    assert (status["projected_position"], status["store_head"]) == (projected, head)
    assert status["behind"] == 3
    assert status["steps"][0]["reminders_sent"] == 1  # the T-7 reminder is not projected yet
    assert status["overdue"] == []
    nominations = responses[f"/v1/cycles/{YEAR}/nominations"]
    assert [row["member_state"] for row in nominations.json()] == ["SG"]
    assert nominations.headers["Ascn-Behind"] == "3"
    assert responses[f"/v1/cycles/{YEAR}/calendar.ics"].headers["Ascn-Store-Head"] == str(head)
    assert f"read models at position {projected} of {head}" in status_text
    assert f"read models at position {projected} of {head}" in listed

    catch_up_all(engine)
    caught_up = client.get(f"/v1/cycles/{YEAR}", headers=bearer(token)).json()
    assert (caught_up["projected_position"], caught_up["behind"]) == (head, 0)
    assert [item["party"] for item in caught_up["overdue"]] == ["nr:MY"]
    assert "read models at position" not in output(
        "status", "--year", str(YEAR), "--db", database_url
    )


def test_a_cycle_not_projected_yet_is_not_found_and_says_why(
    engine: Engine, database_url: str, recorder: Recorder, token: str, client: TestClient
) -> None:
    recorder.cycle(CycleOpened(year=YEAR, chair="PH", shepherd="SG", template="recurring"))
    before = dump(engine)

    response = client.get(f"/v1/cycles/{YEAR}", headers=bearer(token))
    result = ascn("status", "--year", str(YEAR), "--db", database_url)

    assert response.status_code == 404
    assert result.exit_code != 0
    assert f"{recorder.store.last_position()} event(s) are not projected yet" in str(
        result.exception
    )
    assert dump(engine) == before
