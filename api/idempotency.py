"""The write routes answer once per Idempotency-Key (``services.idempotency``).

A route hands its service call to ``answer_once``. Without a key the call just runs.
With one, a retry of an answered request gets the stored answer (marked
``Idempotent-Replayed: true``) without reaching the cycle again; a key reused for
another request is a 422; otherwise the call runs, and its answer (a refusal
included, as the problem handlers write it) is stored for the retries to come. An
answer that says "try again" (a 5xx) is not stored.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.context import ApiContext, Context
from api.problems import STORE_DOWN, ProblemResponse
from domain.actors import Actor
from services.errors import CycleUnavailable
from services.idempotency import Answer, Keyed, abandon, begin, finish

M = TypeVar("M", bound=BaseModel)
REPLAYED = "Idempotent-Replayed"
TRY_AGAIN = (CycleUnavailable, *STORE_DOWN)
"""Errors whose answer (a 503) says to try again: never stored."""
log = logging.getLogger("ascn.api")

IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
        description=(
            "One per intended action: a retry with the same key and body has one effect "
            "and gets the first answer; the key with another request is a 422. Kept 7 days."
        ),
    ),
]  # fmt: skip


@dataclass(frozen=True)
class Once:
    """A write request's way to its answer: ``await once(actor, body, run)``."""

    request: Request
    context: ApiContext
    key: str | None

    async def __call__(
        self,
        actor: Actor,
        body: BaseModel | None,
        run: Callable[[], Awaitable[M]],
        *,
        status_code: int = 200,
    ) -> M | Response:
        return await answer_once(
            self.request, self.context, actor, self.key, body, run, status_code=status_code
        )


def once(request: Request, context: Context, idempotency_key: IdempotencyKey = None) -> Once:
    return Once(request=request, context=context, key=idempotency_key)


Idempotent = Annotated[Once, Depends(once)]


async def answer_once(
    request: Request,
    context: ApiContext,
    actor: Actor,
    key: str | None,
    body: BaseModel | None,
    run: Callable[[], Awaitable[M]],
    *,
    status_code: int = 200,
) -> M | Response:
    if key is None:
        return await run()
    keyed = Keyed(
        actor=actor.label, key=key, route=f"{request.method} {request.url.path}",
        body=None if body is None else body.model_dump(mode="json"),
    )  # fmt: skip
    stored = await run_in_threadpool(begin, context.engine, keyed, context.clock())
    if stored is not None:
        return _response(stored, replayed=True)
    try:
        result = await run()
    except TRY_AGAIN:
        await _abandon(context, keyed)
        raise
    except Exception as error:
        problem = await _problem_for(request, error)
        if problem is None or problem.status_code >= 500:
            await _abandon(context, keyed)
            raise
        answer = Answer(problem.status_code, json.loads(bytes(problem.body)))
    else:
        answer = Answer(status_code, result.model_dump(mode="json"))
    given = await run_in_threadpool(finish, context.engine, keyed, answer)
    return _response(given, replayed=given is not answer)


def _response(answer: Answer, *, replayed: bool) -> Response:
    kind = JSONResponse if answer.status < 400 else ProblemResponse
    headers = {REPLAYED: "true"} if replayed else None
    return kind(answer.body, status_code=answer.status, headers=headers)


async def _problem_for(request: Request, error: Exception) -> Response | None:
    """What the app's handler for ``error`` answers; None for an unexpected error (the
    500 handler logs it once, when the error goes on up)."""
    handlers = request.app.exception_handlers
    for kind in type(error).__mro__:
        if kind in (Exception, BaseException, object):
            return None
        handler = handlers.get(kind)
        if handler is not None:
            answered = handler(request, error)
            response = await answered if inspect.isawaitable(answered) else answered
            assert isinstance(response, Response)
            return response
    return None


async def _abandon(context: ApiContext, keyed: Keyed) -> None:
    """Free the key. If the store is down too, the key stays claimed, which is harmless:
    a retry then sends the command again with the same update id."""
    try:
        await run_in_threadpool(abandon, context.engine, keyed)
    except STORE_DOWN as error:
        log.warning("could not free Idempotency-Key %r: %s", keyed.key, error)
