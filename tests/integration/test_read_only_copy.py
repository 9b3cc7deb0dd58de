"""A read-only copy of the store can be verified and exported.

Auditors receive a copy of the SQLite file, often read-only (mode 0444, or in a
folder they may not write). The reading commands must not write, not even the WAL
pragma. Root ignores permission bits, so as root the commands run without the
capabilities that let it (``setpriv``), as any other user would meet the copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventstore import migrate
from eventstore.engine import create_store_engine
from eventstore.store import EventStore
from tests.store.factories import events

ROOT_WITHOUT_OVERRIDES = [
    "setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--",
]  # fmt: skip


def as_a_reader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, and setpriv is missing to drop root's overrides")
        prefix = ROOT_WITHOUT_OVERRIDES
    return subprocess.run(
        [*prefix, sys.executable, "-m", "ascn", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def store_copy(tmp_path: Path) -> Path:
    """A migrated store with a few streams, closed (so its WAL is checkpointed away),
    then copied alone, as one would hand it to an auditor."""
    source = tmp_path / "live" / "ascn.db"
    source.parent.mkdir()
    engine = create_store_engine(f"sqlite:///{source}")
    migrate.upgrade(engine)
    store = EventStore(engine)
    store.append("cycle-2018", events(3, "StepOpened"), expected_version=0)
    store.append("nominations-SG", events(2, "NominationsSubmitted"), expected_version=0)
    engine.dispose()
    copy = tmp_path / "copy" / "ascn.db"
    copy.parent.mkdir()
    shutil.copyfile(source, copy)
    return copy


@pytest.fixture(params=["file 0444", "file 0444 in folder 0555"])
def read_only_copy(request: pytest.FixtureRequest, store_copy: Path) -> Iterator[Path]:
    store_copy.chmod(0o444)
    if "folder" in request.param:
        store_copy.parent.chmod(0o555)
    yield store_copy
    store_copy.parent.chmod(0o755)


def test_a_read_only_copy_verifies_and_exports(read_only_copy: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{read_only_copy}"
    before = read_only_copy.read_bytes()

    verified = as_a_reader("verify", "--db", url, cwd=tmp_path)
    exported = as_a_reader("events", "export", "--db", url, cwd=tmp_path)

    assert verified.returncode == 0, verified.stderr
    assert "5 events in 2 streams, every hash chain intact" in verified.stdout
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(e["stream_id"], e["version"]) for e in lines][:2] == [
        ("cycle-2018", 1),
        ("cycle-2018", 2),
    ]
    assert len(lines) == 5
    assert read_only_copy.read_bytes() == before
