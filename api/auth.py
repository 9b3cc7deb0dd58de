"""Bearer tokens in, an ``Actor`` out; roles decide which routes a request may use.

401 (with ``WWW-Authenticate: Bearer``) without a token or with one that is unknown,
revoked or whose user is disabled; 403 when the user's role may not use the route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.context import Context, api_context
from api.users import authenticate
from domain.access import Action, refusal
from domain.actors import Actor

bearer = HTTPBearer(
    auto_error=False,
    description="A token issued by an admin with POST /v1/users/{name}/tokens.",
)


def current_actor(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    user = None if credentials is None else authenticate(context.engine, credentials.credentials)
    if user is None:
        raise unauthorized(token_given=credentials is not None)
    return user.actor


def unauthorized(*, token_given: bool) -> HTTPException:
    if not token_given:
        return HTTPException(
            401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return HTTPException(
        401,
        "the bearer token is unknown or revoked, or its user is disabled",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def unauthorized_caller(request: Request) -> HTTPException | None:
    """The 401 for this request, or None if its bearer token is live.

    FastAPI parses a JSON body before it runs dependencies; the validation handler
    asks this first, so that a caller without a valid token learns nothing about
    the body it sent.
    """
    credentials = await bearer(request)
    if credentials is None:
        return unauthorized(token_given=False)
    engine = api_context(request).engine
    user = await run_in_threadpool(authenticate, engine, credentials.credentials)
    return unauthorized(token_given=True) if user is None else None


def may(action: Action) -> Callable[[Actor], Actor]:
    """A dependency: the request's actor, if the access policy lets its role do ``action``
    at all (403 otherwise). The services check the year and member state too."""

    def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        reason = refusal(actor, action)
        if reason is not None:
            raise HTTPException(403, reason)
        return actor

    return check
