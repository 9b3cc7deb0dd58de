"""The records commands: each sends the request its options or file say, through the
API client; a file the rules refuse names the file and the field, and sends nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ascn.cli import app, records
from ascn.cli.client import ApiClient, Credentials

PLAN = """\
city_id: KH-siem-reap
period_start: 2018
period_end: 2025
projects:
  - project_id: smart-traffic
    title: Smart traffic lights
    focus_areas: [built_infrastructure]
    status: ongoing
    milestones:
      - {title: Pilot corridor, due: 2019-06-30}
"""


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Any]]:
    requests: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        requests.append((request.method, request.url.path, body))
        if request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(200, json={"stream": "s", "recorded": ["Recorded"]})

    @contextmanager
    def signed_in() -> Iterator[ApiClient]:
        client = ApiClient(Credentials(url="http://ascn.test", token="t0ken"),
                           transport=httpx.MockTransport(handler))  # fmt: skip
        yield client
        client.close()

    monkeypatch.setattr(records, "signed_in", signed_in)
    return requests


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_plans_submit_sends_the_file(sent: list[Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    result = run("plans", "submit", "--file", str(path))
    assert result.exit_code == 0, result.output
    ((method, url, body),) = sent
    assert (method, url) == ("POST", "/v1/plans")
    assert body["projects"][0]["milestones"] == [{"title": "Pilot corridor", "due": "2019-06-30"}]


def test_a_plan_file_the_rules_refuse_names_the_field_and_sends_nothing(
    sent: list[Any], tmp_path: Path
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("period_end: 2025", "period_end: 2017"))
    result = run("plans", "submit", "--file", str(path))
    assert result.exit_code == 1
    assert "period_end (2017) is before period_start" in str(result.exception)
    assert sent == []


def test_assess_pairs_and_partners_send_their_options(sent: list[Any]) -> None:
    assert (
        run(
            "assess",
            "--year",
            "2019",
            "--city",
            "KH-siem-reap",
            "--project",
            "smart-traffic",
            "--status",
            "ongoing",
            "--evidence",
            "two junctions",
            "--link",
            "https://example.org/a",
            "--link",
            "https://example.org/b",
        ).exit_code
        == 0
    )
    assert (
        run(
            "partners",
            "add",
            "--id",
            "jica",
            "--name",
            "JICA",
            "--kind",
            "government",
            "--year",
            "2018",
        ).exit_code
        == 0
    )
    assert (
        run(
            "twinning",
            "add",
            "--city",
            "KH-siem-reap",
            "--partner",
            "jica",
            "--starts",
            "2018-08-01",
            "--ends",
            "2021-07-31",
        ).exit_code
        == 0
    )
    assert [(m, u) for m, u, _ in sent] == [
        ("POST", "/v1/assessments"),
        ("POST", "/v1/partners"),
        ("POST", "/v1/twinning"),
    ]
    assert sent[0][2]["links"] == ["https://example.org/a", "https://example.org/b"]
    assert sent[2][2]["starts"] == "2018-08-01"


def test_a_bad_link_is_refused_before_sending(sent: list[Any]) -> None:
    result = run(
        "assess",
        "--year",
        "2019",
        "--city",
        "KH-siem-reap",
        "--project",
        "p",
        "--status",
        "ongoing",
        "--evidence",
        "x",
        "--link",
        "ftp://x",
    )
    assert result.exit_code == 1
    assert "links.0" in str(result.exception)
    assert sent == []
