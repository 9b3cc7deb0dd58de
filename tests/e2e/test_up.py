"""`ascn up`: the whole stack starts, serves, stops cleanly, and resumes after kill -9."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.reference import ReferenceData

STARTUP_S = 60
EXAMPLE = Path(__file__).parents[2] / "examples" / "nominations-my-2027.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Stack:
    """``ascn up`` run from ``folder``; with ``data_dir``, on `--data-dir` and no store
    or outbox setting, as a person would start it."""

    def __init__(self, folder: Path, data_dir: Path | None = None) -> None:
        self.folder = folder
        self.data_dir = data_dir
        self.api, self.temporal, self.ui = free_port(), free_port(), free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ASCN_")},
            "ASCN_TEMPORAL_ADDRESS": f"127.0.0.1:{self.temporal}",
            "ASCN_CONFIG_DIR": str(folder / "config"),
            "COLUMNS": "300",  # long paths on one line each
        }
        if data_dir is None:
            self.env["ASCN_DB_URL"] = f"sqlite:///{folder / '.ascn' / 'ascn.db'}"
        self.process: subprocess.Popen[str] | None = None
        self.announced: list[str] = []

    def ascn(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ascn", *args], cwd=self.folder, env=self.env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def up(self) -> None:
        where = [] if self.data_dir is None else ["--data-dir", str(self.data_dir)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ascn", "up", "--api-port", str(self.api),
             "--temporal-port", str(self.temporal), "--ui-port", str(self.ui), *where],
            cwd=self.folder, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                self.process.stdout.read() if self.process.stdout else ""
            )
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.api}/docs", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("ascn up did not serve its API in time")
        assert self.process.stdout is not None
        # What it announced, up to its last line (printed before the API serves).
        for line in self.process.stdout:
            self.announced.append(" ".join(line.split()))
            if line.startswith("Ctrl-C"):
                return

    def get(self, path: str, token: str) -> tuple[int, object]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.api}{path}", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())

    def add_user(self, name: str, role: str) -> str:
        added = self.ascn("users", "add", name, "--role", role)
        assert added.returncode == 0, added.stderr
        return added.stdout.strip().splitlines()[-1]

    def login(self, token: str) -> None:
        url = f"http://127.0.0.1:{self.api}"
        signed_in = self.ascn("login", "--url", url, "--token", token)
        assert signed_in.returncode == 0, signed_in.stderr

    def caught_up(self, path: str, token: str) -> dict[str, Any]:
        """The status once the projector inside `ascn up` has applied every stored event."""
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                status, body = self.get(path, token)
            except urllib.error.HTTPError as error:  # 404 until the cycle is projected
                status, body = error.code, None
            if status == 200 and isinstance(body, dict) and body["behind"] == 0:
                return body
            assert time.monotonic() < deadline, f"never caught up: {status} {body}"
            time.sleep(0.5)

    def temporal_listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.temporal)) == 0

    def stop(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    yield running
    if running.process and running.process.poll() is None:
        running.process.kill()


def test_up_serves_stops_cleanly_and_resumes_after_kill_9(stack: Stack) -> None:
    stack.up()
    # Next year's cycle, whatever today is: its nominations open on 15 January of that
    # year (recurring template), always after today, so they are not open yet.
    year = datetime.now(UTC).year + 1
    shepherd = ReferenceData.load().shepherd_for(year).code
    token = stack.add_user("sam", f"shepherd:{shepherd}")
    stack.login(token)
    started = stack.ascn("cycle", "start", "--year", str(year))
    assert started.returncode == 0, started.stderr
    assert f"by shepherd:{shepherd}/sam" in " ".join(started.stdout.split())

    # An NR signs in and acts through the API; the cycle refuses, in one line, exit 1.
    stack.login(stack.add_user("aziz", "nr:MY"))
    nominated = stack.ascn("nominate", "--year", str(year), "--file", str(EXAMPLE))
    assert nominated.returncode == 1
    assert nominated.stderr.strip().startswith(
        f"error: refused: nominations for {year} are not open yet: it opens at {year}-01-15T00:00"
    )
    approved = stack.ascn("approve", "--year", str(year), "--step", "scgw")
    assert approved.returncode == 1
    assert "nr:MY/aziz may not approve a step" in approved.stderr

    assert stack.stop(signal.SIGKILL) == -signal.SIGKILL
    time.sleep(2)
    assert not stack.temporal_listening()  # the dev server died with its parent

    stack.up()
    body = stack.caught_up(f"/v1/cycles/{year}", token)
    assert (body["year"], body["chair"]) == (year, ReferenceData.load().chair_for(year).code)
    assert body["projected_position"] == body["store_head"] > 0
    assert stack.ascn("cycle", "start", "--year", str(year)).returncode != 0  # still running

    assert stack.stop(signal.SIGINT) == 0
    assert not stack.temporal_listening()


def test_up_keeps_the_store_and_the_outbox_under_its_data_dir_from_any_folder(
    tmp_path: Path,
) -> None:
    elsewhere, data = tmp_path / "elsewhere", tmp_path / "data"
    elsewhere.mkdir()
    stack = Stack(elsewhere, data_dir=data)
    try:
        stack.up()
        assert stack.stop(signal.SIGINT) == 0
    finally:
        if stack.process and stack.process.poll() is None:
            stack.process.kill()

    assert not (elsewhere / ".ascn").exists()
    assert {"ascn.db", "temporal.db"} <= {path.name for path in data.iterdir()}
    assert f"event store sqlite:///{data / 'ascn.db'}" in stack.announced
    assert f"mail every 60 s to {data / 'outbox'}/ (.eml files)" in stack.announced
