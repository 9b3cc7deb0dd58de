"""The CLI as a person meets it: one clear line on error, a non-zero exit, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from eventstore.engine import create_store_engine
from eventstore.schema import events as events_table


def ascn(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ascn", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    result = ascn("demo", "--db", url, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "Accepted nominations 2018: 26 cities" in result.stdout
    assert "every hash chain intact" in result.stdout
    assert "cycle 2018 complete" in result.stdout
    # The year's report beside the store, with the ledger's last checkpoint in it.
    assert "wrote .ascn/reports/2018.html and .ascn/reports/2018.pdf" in result.stdout
    assert (folder / ".ascn/reports/2018.pdf").read_bytes().startswith(b"%PDF-")
    assert "How to verify this record" in (folder / ".ascn/reports/2018.html").read_text()
    return url


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_nominations_json_lists_the_accepted_cities(demo_db: str, tmp_path: Path) -> None:
    result = ascn("nominations", "--year", "2018", "--db", demo_db, "--json", cwd=tmp_path)

    rows = json.loads(result.stdout)
    assert len(rows) == 26
    malaysia = [row for row in rows if row["member_state"] == "MY"]
    assert {row["city"] for row in malaysia} == {
        "Johor Bahru", "Kota Kinabalu", "Kuala Lumpur", "Kuching",
    }  # fmt: skip
    assert [row["city"] for row in malaysia if row["capital"]] == ["Kuala Lumpur"]
    assert {row["exceptions"][0]["rule"] for row in malaysia} == {"max_cities"}
    assert all(row["exceptions"] == [] for row in rows if row["member_state"] != "MY")
    assert {row["member_state"] for row in rows if row["late"]} == {"LA", "MM"}


def test_the_demo_records_each_decision_up_the_chain_as_entered_by_a_person(
    demo_db: str, tmp_path: Path
) -> None:
    lines = ascn("events", "export", "--db", demo_db, cwd=tmp_path).stdout.splitlines()
    events = [json.loads(line) for line in lines]

    decisions = [(e["data"]["body"], e["data"]["decision"], e["actor"])
                 for e in events if e["type"] == "BodyDecisionRecorded"]  # fmt: skip
    assert decisions == [
        ("AMM", "noted", "chair_team:SG/sg-chair-team"),
        ("JCM", "noted", "chair_team:SG/sg-chair-team"),
        ("ACC", "noted", "asec/asec-imd"),
        ("Summit", "adopted", "chair_team:SG/sg-chair-team"),
    ]
    drafts = [e["data"] for e in events if e["type"] == "ReportDrafted"]
    assert [(d["version"], [s["heading"] for s in d["narrative"]]) for d in drafts] == [
        (1, ["Foreword"]), (2, ["Foreword", "Progress on the action plans"]),
    ]  # fmt: skip
    v2 = drafts[1]["document_sha256"]
    # Version 2 went in after IMD's October assessments: it is as of a later position.
    assessed = [e["position"] for e in events if e["type"] == "ProjectAssessed"]
    first, second = (d["as_of_position"] for d in drafts)
    assert first < min(assessed) <= max(assessed) < second
    assert [(e["data"]["version"], e["actor"]) for e in events
            if e["type"] == "ReportDraftSubmitted"] == [(2, "asec/asec-imd")]  # fmt: skip
    assert [(e["data"]["submitter"], e["data"]["version"], e["data"]["document_sha256"],
             e["actor"]) for e in events if e["type"] == "ReportSubmitted"] == [
        ("chair_of_ascn", 2, v2, "nr:SG/nr-sg"), ("shepherd", 2, v2, "shepherd:SG/sg-shepherd"),
    ]  # fmt: skip
    # Each decision from the JCM on names the submitted version's digest.
    assert [(e["data"]["step"], e["data"]["document_sha256"]) for e in events
            if e["type"] == "BodyDecisionRecorded"] == [
        ("twinning_announcement", None), ("jcm_submission", v2), ("acc", v2), ("summit", v2),
    ]  # fmt: skip
    assert [e["type"] for e in events if e["stream_id"] == "membership"] == [
        "CityProposed", "CityDecided",
    ]  # fmt: skip
    assert not [e for e in events if e["type"] == "Noted"]  # no engine-written decision


def test_running_the_demo_again_records_nothing_new(demo_db: str, tmp_path: Path) -> None:
    before = ascn("events", "export", "--db", demo_db, cwd=tmp_path).stdout.splitlines()

    again = ascn("demo", "--db", demo_db, cwd=tmp_path)

    assert "already in this store" in again.stdout
    after = ascn("events", "export", "--db", demo_db, cwd=tmp_path).stdout.splitlines()
    assert after == before
    assert [json.loads(line)["type"] for line in before].count("NominationsSubmitted") == 10


def test_export_of_one_stream_to_a_file(demo_db: str, tmp_path: Path) -> None:
    target = tmp_path / "my.jsonl"

    result = ascn("events", "export", "--db", demo_db, "--stream", "nominations-MY",
                  "--out", str(target), cwd=tmp_path)  # fmt: skip

    assert result.returncode == 0
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["type"] for line in lines] == ["ExceptionGranted", "NominationsSubmitted"]


def test_verify_reports_the_first_broken_link_and_exits_non_zero(
    demo_db: str, tmp_path: Path
) -> None:
    copy = tmp_path / "tampered.db"
    copy.write_bytes(Path(demo_db.removeprefix("sqlite:///")).read_bytes())
    engine = create_store_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.execute(
            update(events_table)
            .where(events_table.c.stream_id == "nominations-MM", events_table.c.version == 1)
            .values(actor="nr:MM/someone-else")
        )
    engine.dispose()

    result = ascn("verify", "--db", f"sqlite:///{copy}", cwd=tmp_path)

    assert result.returncode == 1
    assert "'nominations-MM' breaks at version 1" in result.stderr


def test_an_unsupported_database_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(
        ascn("verify", "--db", "mysql://localhost/x", cwd=tmp_path), "mysql", "not supported"
    )


def test_a_missing_sqlite_file_is_not_created_by_verify(tmp_path: Path) -> None:
    result = ascn("verify", "--db", f"sqlite:///{tmp_path / 'absent.db'}", cwd=tmp_path)

    assert_one_line_error(result, "no database at", "ascn migrate")
    assert not (tmp_path / "absent.db").exists()


def test_an_unreachable_postgres_is_one_line(tmp_path: Path) -> None:
    result = ascn("verify", "--db", "postgresql://nobody@127.0.0.1:1/none", cwd=tmp_path)

    assert_one_line_error(result, "database error", "127.0.0.1")


def test_production_refuses_the_embedded_sqlite_default(tmp_path: Path) -> None:
    result = ascn("verify", cwd=tmp_path, env={"ASCN_ENV": "production"})

    assert_one_line_error(result, "ASCN_DB_URL must name a PostgreSQL database")


def test_a_bad_setting_names_its_variable(tmp_path: Path) -> None:
    result = ascn("verify", cwd=tmp_path, env={"ASCN_LOG_LEVEL": "LOUD"})

    assert_one_line_error(result, "ASCN_LOG_LEVEL")


def test_migrate_creates_an_empty_verified_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"

    assert ascn("migrate", "--db", url, cwd=tmp_path).returncode == 0
    result = ascn("verify", "--db", url, cwd=tmp_path)

    assert result.returncode == 0
    assert "0 events" in result.stdout


def test_the_demo_records_plans_partners_twinning_and_assessments(
    demo_db: str, tmp_path: Path
) -> None:
    lines = ascn("events", "export", "--db", demo_db, cwd=tmp_path).stdout.splitlines()
    events = [json.loads(line) for line in lines]
    types = [e["type"] for e in events]
    assert types.count("ActionPlanSubmitted") == 5  # four cities, Da Nang revised once
    assert types.count("TwinningPaired") == 2
    assert types.count("ProjectLaunchedAtMeeting") == 1
    assert types.count("ProjectAssessed") == 4
    launched = next(e for e in events if e["type"] == "ProjectLaunchedAtMeeting")
    assert launched["data"]["year"] == 2018
    assert launched["occurred_at"].startswith("2018-07-08")
