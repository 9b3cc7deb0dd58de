"""``ascn report``, on SQLite and PostgreSQL: a draft's JSON file hashes to the digest it
recorded, ``--out -`` writes standard output, and every mistake is one line, exit 1."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from ascn.cli import app as cli
from domain.report import from_json
from eventstore.store import EventStore
from reports.source import fingerprint
from tests.report import seed

ASCN = str(Path(sys.executable).with_name("ascn"))


def ascn(*args: str) -> Result:
    """The command in this process; its logging set-up undone afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        root.handlers[:], root.level = handlers, level
        structlog.reset_defaults()


@pytest.fixture
def drafted(engine: Engine) -> str:
    """The seeded store with draft 1 of 2019; its recorded digest."""
    store = EventStore(engine)
    seed.append(store, seed.entries())
    as_of, sha = fingerprint(store, seed.REFERENCE, 2019, seed.NARRATIVE)
    seed.append(store, [seed.drafted(2019, 1, as_of, sha)])
    return sha


def test_a_drafts_json_file_hashes_to_its_recorded_digest(
    drafted: str, database_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "2019-v1.json"
    result = ascn("report", "--year", "2019", "--version", "1", "--format", "json",
                  "--out", str(target), "--db", database_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(target.read_bytes()).hexdigest() == drafted
    assert f"sha256 {drafted}" in result.output
    report = from_json(target.read_bytes())
    assert (report.meta.version, report.nominations.totals.late) == (1, 1)


def test_the_live_report_to_standard_output(drafted: str, database_url: str) -> None:
    result = ascn("report", "--year", "2019", "--out", "-", "--db", database_url)
    assert result.exit_code == 0, result.output
    report = from_json(result.stdout_bytes)
    assert report.meta.version is None
    assert report.cycle.deadlines_missed == 2


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--year", "2031"), "error: year: the store holds no cycle for 2031 (as of position"),
        (("--year", "2019", "--version", "7"),
         "error: version: the 2019 report has no draft 7 (drafts: 1)"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_and_exit_1(
    drafted: str, database_url: str, tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    target = tmp_path / "never.json"
    ran = subprocess.run(
        [ASCN, "report", *args, "--out", str(target), "--db", database_url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 1
    (only,) = ran.stderr.strip().splitlines()
    assert only.startswith(line)
    assert ran.stdout == ""
    assert not target.exists()
