"""The embedded Temporal dev server (`temporal server start-dev`) as a child process.

It keeps its state in a file under the data folder, so stopping and starting again, even
after a kill -9 of `ascn up`, resumes every running cycle. The child is asked to
die with its parent (PR_SET_PDEATHSIG), so a killed `ascn up` leaves no server
holding the port.
"""

from __future__ import annotations

import asyncio
import ctypes
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

from ascn.embedded import dev_server_path
from ascn.errors import UsageError
from workflows import search

PR_SET_PDEATHSIG = 1
STARTUP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class DevServer:
    address: str
    ui: str
    database: Path


def search_attribute_flags() -> list[str]:
    """Register the cycle's search attributes (already there on a restart: no harm)."""
    kinds = {SearchAttributeIndexedValueType.INT: "Int",
             SearchAttributeIndexedValueType.KEYWORD: "Keyword"}  # fmt: skip
    return [
        flag
        for key in search.ALL
        for flag in ("--search-attribute", f"{key.name}={kinds[key.indexed_value_type]}")
    ]


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@asynccontextmanager
async def dev_server(
    data_dir: Path,
    *,
    ip: str = "127.0.0.1",
    port: int = 7233,
    ui_port: int = 8233,
    runtime: Runtime | None = None,
) -> AsyncIterator[DevServer]:
    """``runtime``: the one the probing clients use (the command's own)."""
    database = data_dir / "temporal.db"
    process = _spawn(data_dir, database, ip=ip, port=port, ui_port=ui_port)
    server = DevServer(address=f"{ip}:{port}", ui=f"http://{ip}:{ui_port}", database=database)
    try:
        await _wait_until_serving(server.address, process, data_dir / "temporal.log", runtime)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()


def _spawn(
    data_dir: Path, database: Path, *, ip: str, port: int, ui_port: int
) -> subprocess.Popen[bytes]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "temporal.log").open("ab") as log:
        return subprocess.Popen(  # noqa: S603 (our own binary, fixed arguments)
            [
                dev_server_path(), "server", "start-dev", "--ip", ip, "--port", str(port),
                "--ui-port", str(ui_port), "--db-filename", str(database), "--log-level", "warn",
                *search_attribute_flags(),
            ],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )  # fmt: skip


async def _wait_until_serving(
    address: str, process: subprocess.Popen[bytes], log: Path, runtime: Runtime | None
) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise UsageError(
                f"the Temporal dev server exited (code {process.returncode}); "
                f"is {address} already in use? See {log}"
            )
        try:
            await Client.connect(address, data_converter=pydantic_data_converter, runtime=runtime)
            return
        except RuntimeError:
            if asyncio.get_running_loop().time() > deadline:
                raise UsageError(f"the Temporal dev server did not start at {address}") from None
            await asyncio.sleep(0.5)
