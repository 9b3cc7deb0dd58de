"""Bearer tokens in, an ``Actor`` out; roles decide which routes a request may use.

401 (with ``WWW-Authenticate: Bearer``) without a token or with one that is unknown,
revoked, expired or whose user is disabled; 403 when the user's role may not use the
route; 429 for a client that sent too many bad tokens (``api.ratelimit``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.context import ApiContext, Context, api_context
from domain.actors import Actor
from services.users import authenticate

STAFF = ("shepherd", "chair_team", "admin")

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
    credentials = await bearer(request)
    try:
        challenge = await run_in_threadpool(_challenge, request, api_context(request), credentials)
    except HTTPException as too_many:
        return too_many
    return challenge if isinstance(challenge, HTTPException) else None


def allow(action: str, *roles: str, any_nr: bool = False) -> Callable[[Actor], Actor]:
    """A dependency: the request's actor if its role is one of ``roles`` (or any NR)."""
    allowed = ", ".join([*roles, *(["nr:<AMS>"] if any_nr else [])])

    def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role in roles or (any_nr and actor.member_state is not None):
            return actor
        raise HTTPException(403, f"{actor.label} may not {action}: only {allowed} may")

    return check


def nr_of(actor: Actor, member_state: str, action: str) -> None:
    """403 unless ``actor`` is the NR of ``member_state``."""
    if not actor.is_nr_of(member_state):
        raise HTTPException(
            403,
            f"{actor.label} may not {action} for {member_state}: only its NR "
            f"(nr:{member_state}) may",
        )
