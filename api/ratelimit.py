"""A limit on bad bearer tokens per client, so that tokens cannot be guessed at speed.

Only failures count: a missing (where one is required), unknown, revoked or expired
token. A client over the limit gets 429 with Retry-After before its token is looked
up; good tokens are never counted, so people at work are never slowed down.

slowapi's decorators count every request to a route before it runs, and cannot count
only the ones that fail authentication, so this uses ``limits``, the library slowapi
is built on, directly. The counts are in this process's memory: each API process
limits on its own, and a restart forgets them.
"""

from __future__ import annotations

import math
import time

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

DEFAULT_LIMIT = "20/minute"


class BadTokenLimiter:
    def __init__(self, limit: str = DEFAULT_LIMIT) -> None:
        self._limit: RateLimitItem = parse(limit)
        # A moving window: a client cannot send twice the limit across a window's edge.
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def refuse_if_over(self, request: Request) -> None:
        """429 if the client has used up its bad tokens for now."""
        client = client_of(request)
        if self._limiter.test(self._limit, client):
            return
        reset_at = self._limiter.get_window_stats(self._limit, client).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise HTTPException(
            429,
            f"too many requests with a missing or bad bearer token from {client} "
            f"(the limit is {self._limit}); try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )

    def count_failure(self, request: Request) -> None:
        self._limiter.hit(self._limit, client_of(request))


def client_of(request: Request) -> str:
    """The remote address. Behind a proxy that is the proxy's, unless uvicorn is told to
    trust its X-Forwarded-For (--forwarded-allow-ips)."""
    return request.client.host if request.client is not None else "unknown"
