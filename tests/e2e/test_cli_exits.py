"""A refused or failed command says one line on standard error and exits 1, every time.

The Temporal SDK's core could abort a command as the interpreter shut down ("Fatal
Python error: PyGILState_Release", exit 134): 8 of 20 refused `ascn schedule` runs
did. So each refused command here runs 20 times, and every run must end the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.reference import ReferenceData
from tests.e2e.test_up import Stack, free_port

RUNS = 20
AT_ONCE = 4  # runs in parallel: the same 20 exits, in less of the test's time
Run = Callable[[], subprocess.CompletedProcess[str]]


def refused_every_time(run: Run, *fragments: str) -> str:
    """Run ``run`` RUNS times; each must exit 1 with one line holding ``fragments``."""
    outcomes: Counter[tuple[int, int]] = Counter()
    last = ""
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        results = list(pool.map(lambda _: run(), range(RUNS)))
    for result in results:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        outcomes[(result.returncode, len(lines))] += 1
        if result.returncode != 1 or len(lines) != 1:
            last = result.stderr
        elif not last:
            last = lines[0]
    assert outcomes == {(1, 1): RUNS}, f"(exit code, stderr lines): runs {dict(outcomes)}\n{last}"
    for fragment in fragments:
        assert fragment in last
    return last


def ascn(*args: str, cwd: Path, **env: str) -> Run:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASCN_")},
        **env,
    }
    return lambda: subprocess.run(
        [sys.executable, "-m", "ascn", *args], cwd=cwd, env=environment,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_schedule_with_no_temporal_to_reach(tmp_path: Path) -> None:
    closed = f"127.0.0.1:{free_port()}"

    line = refused_every_time(ascn("schedule", cwd=tmp_path, ASCN_TEMPORAL_ADDRESS=closed))

    assert line.startswith(f"error: cannot reach Temporal at {closed}")


async def test_schedule_that_temporal_refuses(
    dev_server: WorkflowEnvironment, tmp_path: Path
) -> None:
    """Connected, then refused: the run that used to abort at exit."""
    address = dev_server.client.service_client.config.target_host
    command = ascn("schedule", "--zone", "Not/A_Zone", cwd=tmp_path, ASCN_TEMPORAL_ADDRESS=address)

    line = refused_every_time(command)

    assert line == "error: Temporal refused: Invalid schedule spec: unknown time zone Not/A_Zone"


def test_cycle_start_for_a_year_already_running_through_ascn_up(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    try:
        stack.up()
        year = datetime.now(UTC).year + 1  # next year's: nothing opens during the test
        stack.login(
            stack.add_user("sam", f"shepherd:{ReferenceData.load().shepherd_for(year).code}")
        )
        started = stack.ascn("cycle", "start", "--year", str(year))
        assert started.returncode == 0, started.stderr

        line = refused_every_time(lambda: stack.ascn("cycle", "start", "--year", str(year)))
    finally:
        if stack.process and stack.process.poll() is None:
            stack.process.kill()

    assert line.startswith("error: refused: ")
    assert str(year) in line


def test_a_local_problem_exits_1_and_a_bad_command_line_2(tmp_path: Path) -> None:
    missing = ascn("nominate", "--year", "2027", "--file", "nowhere.yaml", cwd=tmp_path,
                   ASCN_CONFIG_DIR=str(tmp_path))()  # fmt: skip
    unknown = ascn("schedule", "--no-such-option", cwd=tmp_path)()

    assert (missing.returncode, missing.stderr.strip()) == (
        1, "error: cannot read nowhere.yaml: No such file or directory",
    )  # fmt: skip
    assert unknown.returncode == 2  # click's own: the command line did not parse
    assert "No such option: --no-such-option" in unknown.stderr
