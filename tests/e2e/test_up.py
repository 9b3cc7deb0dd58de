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
from pathlib import Path
from typing import Any

import pytest

STARTUP_S = 60
EXAMPLE = Path(__file__).parents[2] / "examples" / "nominations-my-2027.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Stack:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.api, self.temporal, self.ui = free_port(), free_port(), free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ASCN_")},
            "ASCN_TEMPORAL_ADDRESS": f"127.0.0.1:{self.temporal}",
            "ASCN_DB_URL": f"sqlite:///{folder / '.ascn' / 'ascn.db'}",
        }
        self.process: subprocess.Popen[str] | None = None

    def ascn(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ascn", *args], cwd=self.folder, env=self.env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def up(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ascn", "up", "--api-port", str(self.api),
             "--temporal-port", str(self.temporal), "--ui-port", str(self.ui)],
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
                return
            except OSError:
                time.sleep(0.5)
        raise AssertionError("ascn up did not serve its API in time")

    def get(self, path: str, token: str) -> tuple[int, object]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.api}{path}", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())

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
    added = stack.ascn("users", "add", "sam", "--role", "shepherd")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    started = stack.ascn("cycle", "start", "--year", "2027")
    assert started.returncode == 0, started.stderr
    # The 2027 nominations open in January 2027: the cycle refuses, in one line.
    nominated = stack.ascn(
        "nominate", "--year", "2027", "--file", str(EXAMPLE), "--as", "nr:MY/aziz"
    )
    assert nominated.returncode != 0
    assert nominated.stderr.strip() == "error: refused: nominations for 2027 are not open yet"
    approved = stack.ascn("approve", "--year", "2027", "--step", "scgw", "--as", "nr:MY/aziz")
    assert "only the Chair's team" in approved.stderr

    assert stack.stop(signal.SIGKILL) == -signal.SIGKILL
    time.sleep(2)
    assert not stack.temporal_listening()  # the dev server died with its parent

    stack.up()
    body = stack.caught_up("/v1/cycles/2027", token)
    assert (body["year"], body["chair"]) == (2027, "SG")
    assert body["projected_position"] == body["store_head"] > 0
    assert stack.ascn("cycle", "start", "--year", "2027").returncode != 0  # still running

    assert stack.stop(signal.SIGINT) == 0
    assert not stack.temporal_listening()
