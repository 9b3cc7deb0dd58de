"""Every error as ``application/problem+json`` (RFC 9457), and its place in the OpenAPI.

Types: ``about:blank`` when the HTTP status says it all (401, 403, 404, 405...),
else ``urn:ascn:problem:<kind>``:

* ``invalid-request`` (422): the request does not fit the API's schema; ``errors``
  names each field. Nothing was sent to the cycle. An ``Idempotency-Key`` already
  used for another request is one too (field ``idempotency-key``).
* ``refused`` (409): the request was well-formed, but the cycle's rules refused it
  in the cycle's current state (nominations closed, step already approved, a fourth
  city without an exception...). The detail is the workflow's own message. 409, not
  422, because the same request may succeed once the state changes (an exception is
  granted, a step opens), and because it keeps "fix your JSON" (422) apart from
  "the cycle said no" (409). Nothing was recorded.
* ``unknown-step`` (404): the cycle's plan has no step of that name.
* ``too-large`` (413): the request body is over the route's limit (``api.limits``);
  it was not read further.
* ``no-cycle`` (404), ``conflict`` (409: a user name taken, a token already revoked),
  ``cycle-unavailable`` (503: Temporal did not answer), ``store-unavailable`` (503: the
  database did not answer; every signed-in request needs it, for the token). Both 503s
  carry ``Retry-After``. An unknown user or token is a plain 404; too many bad tokens
  from one client a 429 with ``Retry-After``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import HTTPExceptionHandler

from api.auth import unauthorized_caller
from domain.calendar_files import CalendarInvalid
from domain.errors import DomainError, NotAuthorised
from domain.text import TextRefused
from eventstore.errors import cannot_write_cause
from services.errors import (
    CycleNotFound,
    CycleUnavailable,
    Refused,
    UnknownFeed,
    UnknownStep,
    UnknownToken,
    UnknownUser,
    UserError,
)
from services.idempotency import KeyReused

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_S = 5
"""What a 503 tells clients to wait; the CLI waits that long before it tries again."""
STORE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
"""What the database driver raises when the server is down, restarting or out of
connections (on SQLite: locked past the busy timeout, or the file unreadable)."""
URN = "urn:ascn:problem:"
log = logging.getLogger("ascn.api")


class FieldProblem(BaseModel):
    field: str
    """Dotted path inside its part of the request, e.g. ``cities.0.csco.email``."""
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None
    """Only for ``urn:ascn:problem:invalid-request``."""


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    errors: Sequence[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    body = Problem(
        type=f"{URN}{kind}" if kind else "about:blank",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=list(errors) if errors is not None else None,
    )
    return ProblemResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


def field_problems(error: RequestValidationError) -> list[FieldProblem]:
    found = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        # ("body", "cities", 0, "city") -> "cities.0.city"; the whole body -> "body"
        # (its loc is ("body", <character offset>) when the JSON does not parse).
        path = location[1:] if len(location) > 1 else location
        if item.get("type") == "json_invalid":
            path = ["body"]
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        found.append(FieldProblem(field=".".join(path) or "body", message=message))
    return found


async def _http_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, HTTPException)
    if error.status_code == 413:
        return problem(413, too_large(request), kind="too-large", title="Request body too large")
    return problem(error.status_code, str(error.detail), headers=error.headers)


def too_large(request: Request) -> str:
    """What a 413 says: the limit of the route (``api.limits``), as the body limit
    middleware left it in the request's scope."""
    limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
    most = f"{limit:,} bytes" if isinstance(limit, int) else "the limit"
    return f"the request body is larger than {most}, the most this route takes; nothing was done"


async def _invalid(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    try:
        challenge = await unauthorized_caller(request)
    except STORE_DOWN as down:
        return await _store_unavailable(request, down)
    if challenge is not None:
        return await _http_error(request, challenge)
    errors = field_problems(error)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem(422, detail, kind="invalid-request", title="Invalid request", errors=errors)


async def _key_reused(_: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, KeyReused)
    errors = [FieldProblem(field="idempotency-key", message=str(error))]
    return problem(422, str(error), kind="invalid-request", title="Invalid request", errors=errors)


async def _calendar_invalid(_: Request, error: Exception) -> ProblemResponse:
    """Every problem of a calendar file, each under ``calendar.<where it is>``."""
    assert isinstance(error, CalendarInvalid)
    errors = [
        FieldProblem(field=f"calendar.{where}" if message else "calendar", message=message or where)
        for where, _, message in (p.partition(": ") for p in error.problems)
    ]
    return problem(422, str(error), kind="invalid-request", title="Invalid calendar", errors=errors)


async def _text_refused(_: Request, error: Exception) -> ProblemResponse:
    """Entered text the rule refuses (domain.text), each problem under its field."""
    assert isinstance(error, TextRefused)
    errors = [
        FieldProblem(field=where, message=message)
        for where, _, message in (p.partition(": ") for p in error.problems)
    ]
    return problem(422, str(error), kind="invalid-request", title="Invalid request", errors=errors)


async def _refused(_: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, Refused)
    return problem(409, error.message, kind="refused", title="Refused by the cycle")


async def _unknown_step(_: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, UnknownStep)
    return problem(404, error.message, kind="unknown-step", title="No such step")


async def _domain_error(_: Request, error: Exception) -> ProblemResponse:
    """The access policy's refusal is a 403; any other domain rule refused the command."""
    if isinstance(error, NotAuthorised):
        return problem(403, str(error))
    return problem(409, str(error), kind="refused", title="Refused by the cycle")


async def _no_cycle(_: Request, error: Exception) -> ProblemResponse:
    return problem(404, str(error), kind="no-cycle", title="No such cycle")


async def _unavailable(_: Request, error: Exception) -> ProblemResponse:
    log.warning("cycle unavailable: %s", error)
    return problem(
        503, str(error), kind="cycle-unavailable", title="The cycle did not answer",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )  # fmt: skip


async def _store_unavailable(_: Request, error: Exception) -> ProblemResponse:
    """The database did not answer. Its own message (a host, a port, SQL) stays in the
    log: callers learn that the store is down and when to try again, and, when it is
    its storage (a full disk, a read-only store), that cause."""
    log.error("event store unavailable: %s", error)
    cause = cannot_write_cause(error)
    return problem(
        503,
        f"the event store cannot write: {cause}; nothing was done, try again later"
        if cause is not None
        else "the event store is unavailable; nothing was done, try again later",
        kind="store-unavailable", title="The store did not answer",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )  # fmt: skip


async def _user_error(_: Request, error: Exception) -> ProblemResponse:
    if isinstance(error, UnknownUser | UnknownToken | UnknownFeed):
        return problem(404, str(error))
    if isinstance(error, NotAuthorised):
        return problem(403, str(error))
    # A name taken, a token already revoked, or other changes kept overtaking this one.
    return problem(409, str(error), kind="conflict", title="Conflict")


async def _unexpected(_: Request, error: Exception) -> ProblemResponse:
    log.error("unexpected error", exc_info=error)
    return problem(500, "an unexpected error occurred; it has been logged")


async def handled(handler: HTTPExceptionHandler, request: Request, error: Exception) -> Response:
    """What an app's exception ``handler`` (sync or async) answers ``error``."""
    answer = handler(request, error)
    return await answer if inspect.isawaitable(answer) else answer


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(KeyReused, _key_reused)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(CalendarInvalid, _calendar_invalid)
    app.add_exception_handler(TextRefused, _text_refused)
    app.add_exception_handler(UnknownStep, _unknown_step)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(CycleNotFound, _no_cycle)
    app.add_exception_handler(CycleUnavailable, _unavailable)
    for store_down in STORE_DOWN:
        app.add_exception_handler(store_down, _store_unavailable)
    for user_error in (UserError, NotAuthorised):
        app.add_exception_handler(user_error, _user_error)
    app.add_exception_handler(Exception, _unexpected)


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each a problem+json body.

    A route that answers 401 also answers 429 to a client that sent too many bad
    tokens (``api.ratelimit``), and 503 while the store that holds the tokens is down,
    so both come with 401.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, *([429, 503] if 401 in statuses else [])}):
        entry: dict[str, Any] = {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
        }
        if status in _HEADERS:
            entry["headers"] = _HEADERS[status]
        responses[status] = entry
    return responses


def add_problem_schema(openapi: dict[str, Any]) -> None:
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
