"""``ascn project``, ``ascn mail dispatch`` and ``ascn calendar`` on the embedded defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from icalendar import Calendar

from eventstore import migrate
from eventstore.engine import create_store_engine
from tests.mail.conftest import Cycle


def ascn(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASCN_")}
    return subprocess.run(
        [sys.executable, "-m", "ascn", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_projector_queues_dispatch_writes_eml_files_and_calendar_writes_a_feed(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'ascn.db'}"
    engine = create_store_engine(url, must_exist=False)
    migrate.upgrade(engine)
    cycle = Cycle(engine)
    cycle.at = datetime.now(UTC)  # immediate mails fall due when the reminder is recorded
    cycle.opened()
    cycle.reminder("T-14", "nr:MY", "nr:SG")
    engine.dispose()

    unprojected = ascn("mail", "dispatch", "--once", "--db", url, cwd=tmp_path)
    projected = ascn("project", "--once", "--db", url, cwd=tmp_path)
    first = ascn("mail", "dispatch", "--once", "--db", url, cwd=tmp_path)
    second = ascn("mail", "dispatch", "--once", "--db", url, cwd=tmp_path)
    feed = ascn("calendar", "--year", "2027", "--member-state", "MY", "--out", "my.ics",
                "--db", url, cwd=tmp_path)  # fmt: skip

    assert unprojected.returncode == 0, unprojected.stderr
    assert "queued 0, sent 0" in unprojected.stdout
    assert "read models at position 0 of 3" in unprojected.stdout
    assert projected.returncode == 0, projected.stderr
    assert "projected: nominations +3, cycles +3, outbox +3" in projected.stdout
    assert "read models at position 3 of 3" in projected.stdout
    assert first.returncode == 0, first.stderr
    assert "queued 2, sent 2" in first.stdout
    assert "queued 0, sent 0" in second.stdout
    assert "not projected yet" not in first.stdout
    # The two MailDelivered events the first pass recorded await the projector's next pass.
    assert "read models at position 3 of 5" in second.stdout
    assert len(list((tmp_path / ".ascn" / "outbox").glob("*.eml"))) == 2
    assert feed.returncode == 0, feed.stderr
    calendar = Calendar.from_ical((tmp_path / "my.ics").read_bytes())
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == ["2027-nomination_deadline@ascn"]
