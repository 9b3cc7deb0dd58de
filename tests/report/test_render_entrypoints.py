"""HTML and PDF through the entry points, on SQLite and PostgreSQL: `ascn report --format
html|pdf` and `GET /v1/cycles/{year}/report?format=html|pdf`, each ending with the
store's latest signed checkpoint."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from api.app import create_app
from api.security import LOCKED
from ascn.cli import app as cli
from eventstore import ledger
from eventstore.ledger import SignedCheckpoint
from eventstore.store import EventStore
from reports.csp import content_security_policy
from reports.source import fingerprint
from tests.api.conftest import NOW, FakeGateway, bearer, fake_cycles, user_with_token
from tests.report import seed
from tests.report.rendering import pdf_text


@pytest.fixture
def drafted(engine: Engine) -> tuple[str, SignedCheckpoint]:
    """The seeded store with draft 1 of 2019, and a checkpoint signed over it."""
    store = EventStore(engine)
    seed.append(store, seed.entries())
    as_of, sha = fingerprint(store, seed.REFERENCE, 2019, seed.NARRATIVE)
    seed.append(store, [seed.drafted(2019, 1, as_of, sha)])
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    signed = ledger.record_checkpoint(engine, key, datetime(2019, 12, 1, tzinfo=UTC))
    return sha, signed


@pytest.fixture
def client(engine: Engine, drafted: tuple[str, SignedCheckpoint]) -> Iterator[TestClient]:
    app = create_app(engine=engine, cycles=fake_cycles(engine, FakeGateway()), clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def ascn(*args: str) -> Result:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        root.handlers[:], root.level = handlers, level
        structlog.reset_defaults()


def test_a_draft_as_pdf_from_the_command_line(
    drafted: tuple[str, SignedCheckpoint], database_url: str, tmp_path: Path
) -> None:
    sha, signed = drafted
    target = tmp_path / "2019-v1.pdf"
    result = ascn("report", "--year", "2019", "--version", "1", "--format", "pdf",
                  "--out", str(target), "--db", database_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    text = pdf_text(target.read_bytes())
    assert f"draft 1, SHA-256 {sha}" in text
    assert "Malaysia submitted Aziz Rahman 4 10 Mar 2019 yes" in text
    assert f"Root hash {signed.checkpoint.root_hash}" in text
    assert f"Tree size {signed.checkpoint.tree_size} events" in text


def test_the_live_report_as_html_from_the_command_line(
    drafted: tuple[str, SignedCheckpoint], database_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "2019.html"
    result = ascn("report", "--year", "2019", "--format", "html", "--out", str(target),
                  "--db", database_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "live, not a version" in html
    assert drafted[1].checkpoint.root_hash in html


def test_the_api_answers_html_with_a_policy_that_allows_its_stylesheet_only(
    client: TestClient, engine: Engine, drafted: tuple[str, SignedCheckpoint]
) -> None:
    nr = bearer(user_with_token(engine, "aziz", "nr:MY"))
    answer = client.get("/v1/cycles/2019/report?format=html", headers=nr)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    policy = answer.headers["Content-Security-Policy"]
    assert policy == content_security_policy(answer.text)
    assert "style-src 'sha256-" in policy
    assert "script" not in policy
    assert "unsafe" not in policy
    assert drafted[1].checkpoint.root_hash in answer.text
    # The JSON form keeps the locked policy of every other answer.
    assert (
        client.get("/v1/cycles/2019/report", headers=nr).headers["Content-Security-Policy"]
        == LOCKED
    )


def test_the_api_answers_a_draft_as_pdf_with_a_filename(
    client: TestClient, engine: Engine, drafted: tuple[str, SignedCheckpoint]
) -> None:
    nr = bearer(user_with_token(engine, "aziz", "nr:MY"))
    answer = client.get("/v1/cycles/2019/report/1?format=pdf", headers=nr)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert 'filename="ascn-report-2019-v1.pdf"' in answer.headers["Content-Disposition"]
    assert answer.headers["Content-Security-Policy"] == LOCKED
    text = pdf_text(answer.content)
    assert f"draft 1, SHA-256 {drafted[0]}" in text
    assert "How to verify this record" in text
