"""A feed's token never reaches the access log: uvicorn, run as `ascn up` runs it,
logs the path with the token segment redacted."""

from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from api.access_log import REDACTED, redact
from ascn.up import EmbeddedApiServer
from domain.actors import Actor
from eventstore.store import EventStore
from services import feeds, users
from tests.api.conftest import NOW, user_with_token

TOKEN = "Zm9vYmFyLWJhei1xdXV4LTAxMjM0NTY3ODlhYmNkZWYtZ2g"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/v1/feeds/{TOKEN}/cycles/2027.ics", f"/v1/feeds/{REDACTED}/cycles/2027.ics"),
        (
            f"/v1/feeds/{TOKEN}/cycles/2027/MY.ics?x=1",
            f"/v1/feeds/{REDACTED}/cycles/2027/MY.ics?x=1",
        ),
        (f"/v1/feeds/{TOKEN}", f"/v1/feeds/{REDACTED}"),
        ("/v1/feeds/feed_0123456789ab/revoke", "/v1/feeds/feed_0123456789ab/revoke"),
        ("/v1/feeds", "/v1/feeds"),
    ],
)
def test_the_token_segment_is_redacted_and_nothing_else(path: str, logged: str) -> None:
    assert redact(f'127.0.0.1:5000 - "GET {path} HTTP/1.1" 200') == (
        f'127.0.0.1:5000 - "GET {logged} HTTP/1.1" 200'
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_uvicorn_as_ascn_up_runs_it_logs_no_feed_token(
    app: FastAPI, api_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    user_with_token(api_engine, "nr-log", "nr:MY")
    directory = users.Directory(store=EventStore(api_engine), clock=lambda: NOW)
    token = feeds.issue_feed(directory, Actor(id="nr-log", role="nr:MY")).token
    port = free_port()
    server = EmbeddedApiServer(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )

    with caplog.at_level(logging.INFO):
        serving = asyncio.create_task(server.serve())
        for _ in range(1000):  # at most 10 s for the server to listen
            if server.started:
                break
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            answered = await http.get(f"/v1/feeds/{token}/cycles/2027.ics")
        server.should_exit = True
        await serving

    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert answered.status_code == 200
    assert len(access) == 1
    assert f"GET /v1/feeds/{REDACTED}/cycles/2027.ics HTTP/1.1" in access[0]
    # Everything the server logged (this test's own HTTP client logs its requests too).
    server_side = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert not [line for line in server_side if token in line]
