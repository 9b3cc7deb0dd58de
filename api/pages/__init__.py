"""The web pages, on the API's app: server-rendered (Jinja2), htmx for partial updates,
Pico CSS, every asset served from ``api/static/web`` (no CDN).

``install_pages(app, config)`` adds the routes, the static files, the pages' CSP and
the handlers that turn a missing session into the sign-in form, and a bad CSRF token or
a form too large to read into a page that says so.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import bearerless
from api.limits import LARGE_BODY_LIMIT
from api.pages import candidates, decisions, monitoring, partnerships, plans, report
from api.pages.config import WebConfig
from api.pages.routes import router
from api.pages.web import (
    CsrfProtectError,
    SignInNeeded,
    configure_csrf,
    current_viewer,
    page,
    signin_redirect,
)
from api.problems import field_problems, handled, too_large
from api.security import PAGES

STATIC = Path(__file__).parent.parent / "static" / "web"


PAGES_OF = (plans, monitoring, partnerships, decisions, candidates, report)
ROUTERS: list[APIRouter] = [router, *(module.router for module in PAGES_OF)]
"""Every page's router (the access matrix of the pages lists their routes from here)."""


def install_pages(app: FastAPI, config: WebConfig, policies: dict[str, str]) -> None:
    app.state.web = config
    configure_csrf(config)
    for pages in ROUTERS:
        app.include_router(pages, max_body_size=LARGE_BODY_LIMIT)  # a narrative's form
    for route in (route for pages in ROUTERS for route in pages.routes):
        # Pages take a session cookie, never a bearer token: a form that does not fit is
        # a 422 naming the field, not a 401 for a token it was never to send.
        if isinstance(route, APIRoute):
            bearerless(route.endpoint)
    app.mount("/static/web", StaticFiles(directory=STATIC), name="web-static")
    for prefix in ("/app*", "/static/web/*"):
        policies[prefix] = PAGES
    policies["/"] = PAGES

    async def _signin_needed(_: Request, error: Exception) -> Response:
        assert isinstance(error, SignInNeeded)
        return signin_redirect(error)

    async def _bad_csrf(request: Request, error: Exception) -> HTMLResponse:
        message = (
            f"This form has expired or was not sent from these pages ({error}). "
            "Go back, reload the page and send it again."
        )
        return page(
            request,
            "message.html",
            {"title": "Form expired", "message": message},
            status_code=403,
            who=current_viewer(request),
        )

    api_invalid = app.exception_handlers[RequestValidationError]

    async def _invalid(request: Request, error: Exception) -> Response:
        """A page's request that does not fit (its address, or a field a form sends
        that its handler does not check itself) gets a page saying what, not the API's
        problem+json: an address that names nothing is a 404 (a 400 when a part of it
        is not even of its kind, ``/app/cycles/abc``), a form a 422."""
        assert isinstance(error, RequestValidationError)
        if not _is_page(request):
            return await handled(api_invalid, request, error)
        return invalid_page(request, error)

    api_http_error = app.exception_handlers[StarletteHTTPException]

    async def _http_error(request: Request, error: Exception) -> Response:
        """An HTTP error on a page (a form over the body limit, an address no page
        has) is a page saying so, as the API's problem says it."""
        assert isinstance(error, StarletteHTTPException)
        if not _is_page(request):
            return await handled(api_http_error, request, error)
        title = HTTPStatus(error.status_code).phrase
        if error.status_code == 400:  # a form the framework would not read
            title = "Form not read"
            message = (
                f"this form could not be read ({str(error.detail).rstrip('.')}); no form of "
                "these pages sends such a one. Nothing was recorded: go back, reload the page "
                "and send it again"
            )
        else:
            message = too_large(request) if error.status_code == 413 else str(error.detail)
        said = message[:1].upper() + message[1:]
        values = {"title": title, "message": said if said.endswith(".") else f"{said}."}
        answer = page(
            request, "message.html", values, status_code=error.status_code,
            who=current_viewer(request),
        )  # fmt: skip
        answer.headers.update(error.headers or {})  # a 405's Allow
        return answer

    app.add_exception_handler(SignInNeeded, _signin_needed)
    app.add_exception_handler(CsrfProtectError, _bad_csrf)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def _is_page(request: Request) -> bool:
    path = request.url.path
    return path == "/app" or path.startswith("/app/")


_NOT_OF_ITS_KIND = ("_parsing", "_type")
"""pydantic error types (``int_parsing``...) of a value that is not even of its kind."""


def invalid_page(request: Request, error: RequestValidationError) -> HTMLResponse:
    problems = field_problems(error)
    said = "; ".join(f"{problem.field}: {problem.message}" for problem in problems)
    in_path = [item for item in error.errors() if tuple(item.get("loc", ()))[:1] == ("path",)]
    if in_path:
        unreadable = any(str(item.get("type", "")).endswith(_NOT_OF_ITS_KIND) for item in in_path)
        status, title = (400, "Bad address") if unreadable else (404, "Not found")
        message = f"There is no page at {request.url.path[:200]} ({said})."
    else:
        status, title = 422, "This form could not be read"
        message = f"Nothing was done: {said}. Go back, correct it and send it again."
    values = {"title": title, "message": message}
    return page(request, "message.html", values, status_code=status, who=current_viewer(request))


__all__ = ["ROUTERS", "WebConfig", "install_pages"]
