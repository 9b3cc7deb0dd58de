"""``ascn project`` as the compose service runs it: a loop that follows the store until SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventstore import migrate
from eventstore.engine import create_store_engine
from eventstore.lag import lag_of
from mail.outbox import outbox_rows
from tests.mail.conftest import Cycle


def test_the_projector_follows_new_events_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ascn.db'}"
    engine = create_store_engine(url, must_exist=False)
    migrate.upgrade(engine)
    cycle = Cycle(engine)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASCN_")}
    projector = subprocess.Popen(
        [sys.executable, "-m", "ascn", "project", "--interval", "0.1", "--db", url],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        cycle.at = datetime.now(UTC) - timedelta(minutes=1)
        cycle.opened()
        cycle.reminder("T-14", "nr:MY", "nr:SG")
        head = cycle.store.last_position()
        deadline = time.monotonic() + 60
        while lag_of(engine, ["nominations", "cycles", "outbox"]).projected_position < head:
            assert projector.poll() is None, projector.stdout.read() if projector.stdout else ""
            assert time.monotonic() < deadline, "ascn project did not catch up"
            time.sleep(0.1)

        projector.send_signal(signal.SIGTERM)
        assert projector.wait(timeout=30) == 0
        queued = {row["recipient"] for row in outbox_rows(engine)}
    finally:
        if projector.poll() is None:
            projector.kill()
        engine.dispose()

    assert queued == {"nr:MY", "nr:SG"}
