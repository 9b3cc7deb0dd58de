"""While the database is down the API says so: 503, Retry-After, and nothing was done.

Every signed-in request looks its token up in the database, so an outage used to be
"an unexpected error" (500). Two outages: a URL where nothing listens, and a
PostgreSQL cluster of the test's own (initdb, pg_ctl on a free port) stopped
mid-test and started again. The shared server at 5432 is never touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from api.app import create_app
from eventstore import migrate
from eventstore.engine import create_store_engine
from tests.api.conftest import NOW, FakeGateway, FakeStatus, bearer, fake_cycles, user_with_token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client_over(engine: Engine) -> TestClient:
    app = create_app(
        engine=engine, cycles=fake_cycles(engine, FakeGateway()), clock=lambda: NOW,
        status=FakeStatus(),
    )  # fmt: skip
    return TestClient(app, raise_server_exceptions=False)


def assert_store_unavailable(response: Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["type"] == "urn:ascn:problem:store-unavailable"
    assert body["detail"].startswith("the event store is unavailable")


def test_a_database_nobody_listens_on_is_503() -> None:
    engine = create_store_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/test")
    headers = bearer("a-token-that-cannot-be-looked-up")
    try:
        with client_over(engine) as client:
            me = client.get("/v1/me", headers=headers)
            # A bad body asks for the token first too (a 401 would come before the 422).
            waive = client.post(
                "/v1/cycles/2027/steps/scgw/waive", json={"reason": ""}, headers=headers
            )
            no_token = client.get("/v1/me")
    finally:
        engine.dispose()

    assert_store_unavailable(me)
    assert_store_unavailable(waive)
    assert no_token.status_code == 401  # no token: nothing to look up, no outage to tell


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return None if on_path is None else Path(on_path).parent


class Cluster:
    """A PostgreSQL cluster of this test's own. initdb refuses to run as root, so as
    root it runs as the postgres account."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin_dir = bin_dir
        self.data = folder / "data"
        self.port = free_port()
        self.log = folder / "server.log"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self._as, str(self.bin_dir / tool), *args],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser, and initdb refuses root")
    # Not under pytest's tmp_path: as root that sits in a folder only root may enter.
    folder = Path(tempfile.mkdtemp(prefix="ascn-outage-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    own = Cluster(bin_dir, folder)
    try:
        own.init()
        own.start()
        yield own
    finally:
        subprocess.run(
            [*own._as, str(bin_dir / "pg_ctl"), "-D", str(own.data), "-m", "immediate", "stop"],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def test_a_stopped_server_is_503_and_the_api_recovers_when_it_is_back(cluster: Cluster) -> None:
    engine = create_store_engine(cluster.url)
    migrate.upgrade(engine)
    headers = bearer(user_with_token(engine, "nr-my", "nr:MY"))
    try:
        with client_over(engine) as client:
            before = client.get("/v1/me", headers=headers)
            cluster.stop()
            during = [client.get("/v1/me", headers=headers) for _ in range(2)]
            cluster.start()
            # The pool finds its connections dead on first use and drops them all.
            after = [client.get("/v1/me", headers=headers).status_code for _ in range(2)]
    finally:
        engine.dispose()

    assert before.json()["name"] == "nr-my"
    for response in during:
        assert_store_unavailable(response)
    assert after[-1] == 200
    assert set(after) <= {200, 503}
