"""Backends for the store contract suite: every store test runs on SQLite and PostgreSQL.

PostgreSQL comes from ASCN_TEST_POSTGRES_URL (default: the local server, database
``test``). Each test gets a schema of its own, dropped afterwards. Outside CI a
missing server skips those tests with the reason; in CI (CI=true) it fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from eventstore.engine import create_store_engine

POSTGRES_URL = os.environ.get(
    "ASCN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_postgres_problem: str | None = None
_postgres_probed = False


def _postgres_unavailable() -> str | None:
    global _postgres_problem, _postgres_probed
    if not _postgres_probed:
        _postgres_probed = True
        probe = create_store_engine(POSTGRES_URL)
        try:
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure to connect means "no server"
            _postgres_problem = f"PostgreSQL at {POSTGRES_URL} is unavailable: {error}"
        finally:
            probe.dispose()
    return _postgres_problem


def require_postgres() -> None:
    problem = _postgres_unavailable()
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"{problem} (CI=true: a required service is missing)", pytrace=False)
    pytest.skip(problem)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema of their own."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_store_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'events.db'}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database (no tables)."""
    engine = create_store_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on a database with the store's tables (create_all: tests only)."""
    from eventstore.readmodels import schema as _readmodels  # noqa: F401
    from eventstore.schema import metadata

    metadata.create_all(empty_engine)
    return empty_engine
