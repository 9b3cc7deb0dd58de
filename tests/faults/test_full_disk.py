"""The store's disk full, or the store read-only: the failure is loud and clear, and
nothing half-written remains.

The SQLite store lives on a tmpfs of a few megabytes that the test mounts (root only),
so a full disk is the kernel's own ENOSPC and a read-only store its EROFS (remounted
read-only). Without root the full-disk test is skipped, and the read-only one makes the
folder and the files read-only instead (which root would ignore).

A command that writes (``ascn users add``, ``ascn project --once``) exits 1 with one line
naming the cause, no traceback; the API answers 503 naming it; the store afterwards is
exactly as before (no event, no table row, no checkpoint moved; ``PRAGMA
integrity_check`` ok; ``ascn verify`` clean). Once there is room again, the same command
succeeds, once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import psycopg.errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from api.app import create_app
from domain.actors import Actor
from domain.events import CycleOpened, StepOpened
from domain.streams import cycle_stream
from eventstore import migrate
from eventstore.codec import to_new_event
from eventstore.engine import create_store_engine
from eventstore.errors import cannot_write_cause
from eventstore.readmodels.accounts_tables import api_users
from eventstore.schema import events, projection_checkpoints
from eventstore.store import EventStore
from tests.api.conftest import FakeGateway, fake_cycles, user_with_token
from tests.faults.store_checks import ascn, assert_store_sound, assert_verify_clean

pytestmark = pytest.mark.faults

DISK_SIZE = "4m"
SYSTEM = Actor(id="cycle", role="system")


@dataclass
class Disk:
    folder: Path
    mounted: bool

    @property
    def url(self) -> str:
        return f"sqlite:///{self.folder / 'store.db'}"

    def fill(self) -> None:
        """Write a file until the kernel says the disk is full."""
        chunk = b"\0" * 65536
        with (self.folder / "filler").open("wb", buffering=0) as filler:
            full = _write_until_refused(filler, chunk)
        assert full.errno == errno.ENOSPC, full

    def free(self) -> None:
        (self.folder / "filler").unlink()

    def read_only(self) -> None:
        if self.mounted:
            _run("mount", "-o", "remount,ro", str(self.folder))
        else:
            for path in self.folder.iterdir():
                path.chmod(0o444)
            self.folder.chmod(0o555)


def _write_until_refused(file: BinaryIO, chunk: bytes) -> OSError:
    try:
        while True:
            file.write(chunk)
    except OSError as refused:
        return refused


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def _tmpfs(folder: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(folder)],
        capture_output=True, timeout=30, check=False,
    )  # fmt: skip
    return done.returncode == 0


@pytest.fixture
def disk() -> Iterator[Disk]:
    folder = Path(tempfile.mkdtemp(prefix="ascn-disk-"))
    mounted = _tmpfs(folder)
    try:
        yield Disk(folder, mounted)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)
        else:
            with contextlib.suppress(OSError):
                folder.chmod(0o755)
                for path in folder.iterdir():
                    path.chmod(0o644)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Snapshot:
    events: list[Any]
    users: list[Any]
    checkpoints: list[Any]


def snapshot(url: str) -> Snapshot:
    engine = create_store_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return Snapshot(
                events=list(conn.execute(select(events).order_by(events.c.position))),
                users=list(conn.execute(select(api_users).order_by(api_users.c.id))),
                checkpoints=list(conn.execute(select(projection_checkpoints).order_by("name"))),
            )
    finally:
        engine.dispose()


def integrity(path: Path) -> str:
    uri = f"file:{path}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def a_store(disk: Disk) -> tuple[str, str]:
    """A migrated store with an admin, a user and a cycle's first facts not yet projected;
    its WAL checkpointed away, so that the next write must grow a file. Returns the
    admin's token and the store's URL."""
    engine = create_store_engine(disk.url)
    try:
        migrate.upgrade(engine)
        token = user_with_token(engine, "root", "admin", now=datetime.now(UTC))
        user_with_token(engine, "before", "nr:SG", now=datetime.now(UTC))
        now = datetime.now(UTC)
        facts = [CycleOpened(year=2027, chair="SG", shepherd="ID", template="recurring"),
                 StepOpened(year=2027, step="nomination_deadline", deadline=now)]  # fmt: skip
        EventStore(engine).append(
            cycle_stream(2027),
            [to_new_event(f, event_id=uuid.uuid4(), occurred_at=now, actor=SYSTEM)
             for f in facts],
            expected_version=None,
        )  # fmt: skip
    finally:
        engine.dispose()
    with contextlib.closing(sqlite3.connect(disk.folder / "store.db")) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return token, disk.url


def one_line_error(done: subprocess.CompletedProcess[str], *says: str) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), lines
    assert "Traceback" not in done.stderr + done.stdout
    assert all(part in lines[0] for part in says), lines[0]
    return lines[0]


def api_client(engine: Engine) -> TestClient:
    app = create_app(engine=engine, cycles=fake_cycles(engine, FakeGateway()))
    return TestClient(app, raise_server_exceptions=False)


def test_a_full_disk_refuses_every_write_loudly_and_leaves_nothing_half_written(
    disk: Disk, tmp_path: Path
) -> None:
    if not disk.mounted:
        pytest.skip("a full disk needs a tmpfs of the test's own: run the suite as root")
    token, url = a_store(disk)
    before = snapshot(url)
    disk.fill()

    add = ascn("users", "add", "ina", "--role", "nr:ID", "--db", url)
    project = ascn("project", "--once", "--db", url)
    engine = create_store_engine(url)
    try:
        with api_client(engine) as client:
            headers = {"Authorization": f"Bearer {token}"}
            added = client.post("/v1/users", json={"name": "ina", "role": "nr:ID"},
                                headers=headers)  # fmt: skip
            me = client.get("/v1/me", headers=headers)
    finally:
        engine.dispose()

    line = one_line_error(add, "the event store cannot write: its disk is full")
    one_line_error(project, "its disk is full")
    assert added.status_code == 503, added.text
    assert added.headers["retry-after"] == "5"
    assert added.json()["detail"].startswith("the event store cannot write: its disk is full")
    assert me.status_code == 200  # reading needs no room
    assert snapshot(url) == before
    assert integrity(disk.folder / "store.db") == "ok"
    assert_verify_clean(url)

    disk.free()
    again = ascn("users", "add", "ina", "--role", "nr:ID", "--db", url)
    assert again.returncode == 0, again.stderr
    assert ascn("project", "--once", "--db", url).returncode == 0
    assert_store_sound(url, tmp_path, {"UserAdded": 3, "TokenIssued": 3, "CycleOpened": 1,
                                       "StepOpened": 1})  # fmt: skip
    print(line)


def test_a_read_only_store_refuses_writes_loudly_and_can_still_be_verified(
    disk: Disk, tmp_path: Path
) -> None:
    token, url = a_store(disk)
    before = snapshot(url)
    disk.read_only()

    add = ascn("users", "add", "ina", "--role", "nr:ID", "--db", url)
    project = ascn("project", "--once", "--db", url)
    engine = create_store_engine(url)
    try:
        with api_client(engine) as client:
            headers = {"Authorization": f"Bearer {token}"}
            added = client.post("/v1/users", json={"name": "ina", "role": "nr:ID"},
                                headers=headers)  # fmt: skip
    finally:
        engine.dispose()

    one_line_error(add, "read-only")
    one_line_error(project, "read-only")
    assert added.status_code == 503, added.text
    assert "read-only" in added.json()["detail"]
    assert snapshot(url) == before
    assert integrity(disk.folder / "store.db") == "ok"
    assert_verify_clean(url)
    exported = ascn("events", "export", "--db", url)
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout.splitlines()) == len(before.events)


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (psycopg.errors.DiskFull("could not extend file: No space left on device"),
         "its disk is full"),
        (psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only "
                                               "transaction"), "it is read-only"),
        (psycopg.errors.AdminShutdown("terminating connection"), None),
    ],
)  # fmt: skip
def test_postgres_says_the_same_causes(error: Exception, cause: str | None) -> None:
    """PostgreSQL's own "cannot write" errors are named as SQLite's are; a server that is
    down is not a storage problem."""
    wrapped = OperationalError("INSERT INTO events ...", {}, error)

    assert cannot_write_cause(wrapped) == cause
