"""Bearer tokens in, an ``Actor`` out; roles decide which routes a request may use.

401 (with ``WWW-Authenticate: Bearer``) without a token or with one that is unknown,
revoked, expired or whose user is disabled; 403 when the user's role may not use the
route; 429 for a client that sent too many bad tokens (``api.ratelimit``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.context import ApiContext, Context, api_context
from domain.access import Action, refusal
from domain.actors import Actor
from services.users import authenticate

F = TypeVar("F", bound=Callable[..., object])
BEARERLESS: set[object] = set()
"""Endpoints that take no bearer token (the calendar feeds: their token is in the URL)."""


def bearerless(endpoint: F) -> F:
    """Mark a route's endpoint as taking no bearer token, so that a request to it that
    does not fit its schema is a 422, not a 401 for the token it was never to send."""
    BEARERLESS.add(endpoint)
    return endpoint


bearer = HTTPBearer(
    auto_error=False,
    description="A token issued by an admin with POST /v1/users/{name}/tokens.",
)


def current_actor(
    request: Request,
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    challenge = _challenge(request, context, credentials)
    if isinstance(challenge, HTTPException):
        raise challenge
    return challenge


def _challenge(
    request: Request, context: ApiContext, credentials: HTTPAuthorizationCredentials | None
) -> Actor | HTTPException:
    """The actor of a live token, else the 401 to answer; 429 first for a client that
    already sent too many bad tokens, so that guessing costs no lookups."""
    context.bad_tokens.refuse_if_over(request)
    token = None if credentials is None else credentials.credentials
    user = None if token is None else authenticate(context.engine, token, context.clock())
    if user is None:
        context.bad_tokens.count_failure(request)
        return unauthorized(token_given=token is not None)
    return user.actor


def unauthorized(*, token_given: bool) -> HTTPException:
    if not token_given:
        return HTTPException(
            401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return HTTPException(
        401,
        "the bearer token is unknown, revoked or expired, or its user is disabled",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def unauthorized_caller(request: Request) -> HTTPException | None:
    """The 401 for this request, or None if its bearer token is live.

    FastAPI parses a JSON body before it runs dependencies; the validation handler
    asks this first, so that a caller without a valid token learns nothing about
    the body it sent.
    """
    if request.scope.get("endpoint") in BEARERLESS:
        return None
    credentials = await bearer(request)
    try:
        challenge = await run_in_threadpool(_challenge, request, api_context(request), credentials)
    except HTTPException as too_many:
        return too_many
    return challenge if isinstance(challenge, HTTPException) else None


def may(action: Action) -> Callable[[Actor], Actor]:
    """A dependency: the request's actor, if the access policy lets its role do ``action``
    at all (403 otherwise). The services check the year and member state too."""

    def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        reason = refusal(actor, action)
        if reason is not None:
            raise HTTPException(403, reason)
        return actor

    return check
