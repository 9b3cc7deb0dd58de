"""The CLI as an API client: where the token is kept, and retries that act once."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from ascn.cli.client import ApiClient, ApiError, Credentials, load_credentials, save_credentials
from ascn.errors import UsageError

CREDENTIALS = Credentials(url="http://ascn.test", token="t0ken")


def test_the_token_is_kept_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "config" / "credentials.json"
    save_credentials(path, CREDENTIALS)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_credentials(path) == CREDENTIALS


def test_without_a_login_the_cli_says_how_to_sign_in(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="run `ascn login --url URL` first"):
        load_credentials(tmp_path / "absent.json")


def test_a_retry_after_an_outage_sends_the_same_idempotency_key() -> None:
    seen: list[tuple[str | None, str | None]] = []
    answers = iter([httpx.ConnectError("refused"), 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers.get("Idempotency-Key"), request.headers["Authorization"]))
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        if answer == 503:
            return httpx.Response(
                503, json={"detail": "Temporal is down"}, headers={"Retry-After": "1"}
            )
        return httpx.Response(200, json={"recorded": ["StepApproved"]})

    waited: list[str] = []
    client = ApiClient(
        CREDENTIALS, waiting=waited.append, transport=httpx.MockTransport(handler),
        pause=lambda _: None,
    )  # fmt: skip
    answer = client.post("/v1/cycles/2027/steps/scgw/approve")

    assert answer == {"recorded": ["StepApproved"]}
    keys = {key for key, _ in seen}
    assert len(seen) == 3
    assert len(keys) == 1
    assert None not in keys
    assert {auth for _, auth in seen} == {"Bearer t0ken"}
    assert "cannot reach http://ascn.test" in waited[0]
    assert "Temporal is down (HTTP 503)" in waited[1]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (409, "refused: nominations for 2027 are closed"),
        (403, "not allowed: nominations for 2027 are closed"),
        (404, "nominations for 2027 are closed (HTTP 404)"),
    ],
)
def test_a_refusal_is_the_apis_own_words(status: int, message: str) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"detail": "nominations for 2027 are closed"})

    client = ApiClient(CREDENTIALS, transport=httpx.MockTransport(handler))
    with pytest.raises(ApiError) as raised:
        client.post("/v1/cycles/2027/nil-returns", {"member_state": "MY"})
    assert str(raised.value) == message
