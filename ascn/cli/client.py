"""The CLI as a client of the HTTP API: who is signed in, and one call at a time.

A person acts only through the API, as the user whose token `ascn login` stored (in
the user's configuration folder, mode 0600). Every write carries an Idempotency-Key made
once per intended action and reused on each retry, so a retry never acts twice.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import typer
from pydantic import BaseModel, ConfigDict

from ascn.errors import UsageError

RETRIES = 5
TIMEOUT_S = 70.0  # above the API's own wait for a cycle's answer


class Credentials(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    token: str


class ApiError(Exception):
    """The API refused or failed the request; the message is its own detail."""

    def __init__(self, status: int, detail: str) -> None:
        if status == 409:
            message = f"refused: {detail}"
        elif status == 403:
            message = f"not allowed: {detail}"
        else:
            message = f"{detail} (HTTP {status})"
        super().__init__(message)
        self.status = status


def credentials_path(config_dir: str | None) -> Path:
    return Path(config_dir or typer.get_app_dir("ascn")) / "credentials.json"


def save_credentials(path: Path, credentials: Credentials) -> None:
    """Written with mode 0600 from the start: the token is never readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(credentials.model_dump_json())
    path.chmod(0o600)


def load_credentials(path: Path) -> Credentials:
    try:
        return Credentials.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError("not signed in: run `ascn login --url URL` first") from None
    except ValueError:
        raise UsageError(f"{path} is damaged: run `ascn login --url URL` again") from None


class ApiClient:
    def __init__(
        self,
        credentials: Credentials,
        *,
        waiting: Callable[[str], None] = lambda _: None,
        transport: httpx.BaseTransport | None = None,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self._credentials = credentials
        self._waiting = waiting
        self._pause = pause
        self._http = httpx.Client(
            base_url=credentials.url.rstrip("/"),
            headers={"Authorization": f"Bearer {credentials.token}"},
            timeout=TIMEOUT_S,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str) -> Any:
        return self._call("GET", path, None, None)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call("POST", path, body, str(uuid.uuid4()))

    def _call(self, method: str, path: str, body: Any, key: str | None) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        for attempt in range(1, RETRIES + 1):
            delay = 2.0 ** (attempt - 1)
            try:
                response = self._http.request(method, path, json=body, headers=headers)
            except httpx.TransportError as error:
                problem = f"cannot reach {self._credentials.url} ({type(error).__name__})"
            else:
                if response.status_code != 503:
                    return _answer(response)
                problem = f"{_detail(response)} (HTTP 503)"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    delay = min(float(retry_after), 30.0)
            if attempt == RETRIES:
                raise ApiError(503, f"gave up after {RETRIES} tries: {problem}")
            self._waiting(f"{problem}; trying again in {delay:.0f} s ({attempt}/{RETRIES})")
            self._pause(delay)
        raise AssertionError("unreachable")


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except json.JSONDecodeError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return json.dumps(body)[:300]


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise ApiError(response.status_code, _detail(response))
    return response.json()
