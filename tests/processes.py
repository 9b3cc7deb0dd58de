"""``python -m ascn ...`` in processes of their own that a test starts, reads the log of
and kills; and the polling wait that both the end-to-end and the fault suites use."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from ascn.settings import DEV_PAYLOAD_KEYS

T = TypeVar("T")
WORKER_STARTED = '"worker started"'
"""What ``ascn worker`` logs (JSON) once it polls its task queue."""


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, what: str, within: float = 30.0
) -> T:
    """Poll ``check`` until it returns something other than None (or False)."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)


def ascn_env(db_url: str, **more: str) -> dict[str, str]:
    """The settings of an ``ascn`` process on ``db_url``: development payload keys, JSON
    logs at INFO (``more`` adds or overrides, e.g. ``ASCN_LOG_LEVEL="DEBUG"``)."""
    return {
        "ASCN_DB_URL": db_url,
        "ASCN_PAYLOAD_KEYS": DEV_PAYLOAD_KEYS,
        "ASCN_LOG_FORMAT": "json",
        "ASCN_LOG_LEVEL": "INFO",
        **more,
    }


@dataclass
class Process:
    """``python -m ascn ARGS`` with settings in its environment, its output in a file
    (each start appends to it)."""

    name: str
    args: tuple[str, ...]
    env: Mapping[str, str]
    folder: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> None:
        self.starts += 1
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "ascn", *self.args],
            cwd=self.folder, env={**os.environ, **self.env},
            stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    async def started(self, *, logs: str = WORKER_STARTED, within: float = 30.0) -> None:
        """Wait until this start has logged ``logs`` (every start logs it once more);
        fail if the process exits first."""

        async def polling() -> bool:
            if not self.running():
                raise AssertionError(f"{self.name} exited early:\n{self.log()}")
            return self.log().count(logs) >= self.starts

        await eventually(polling, what=f"{self.name} to start", within=within)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no drain, no goodbye, the way a machine dies."""
        self._end(signal.SIGKILL)

    def terminate(self, within: float = 30) -> int:
        """SIGTERM, and the exit code once it has stopped."""
        self._end(signal.SIGTERM, within)
        assert self.popen is not None
        return int(self.popen.returncode)

    def _end(self, signum: int, within: float = 10) -> None:
        if self.running():
            assert self.popen is not None
            self.popen.send_signal(signum)
            self.popen.wait(timeout=within)
        if self._log is not None:
            self._log.close()
            self._log = None


def killed_afterwards() -> Iterator[list[Process]]:
    """For a fixture: every process a test starts goes in the list, killed afterwards."""
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in started:
            process.kill()
