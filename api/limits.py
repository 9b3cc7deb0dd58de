"""How large a request body may be. FastAPI's own limit (``max_body_size``, Starlette's
``RequestBodyLimitMiddleware``) enforces it before any route parses a byte: a request
whose ``Content-Length`` says more is refused before its body is read, and one that
does not say (chunked) is cut off as soon as it has sent more. Either way the answer
is a 413 problem naming the limit (``api.problems``), a page on the pages.

* ``API_BODY_LIMIT`` (1 MiB): every JSON route by default. The largest legitimate
  body, an action plan, is at most 200,000 bytes of JSON (``domain.plans``).
* ``LARGE_BODY_LIMIT`` (4 MiB): what may carry a report's narrative, 20 sections of
  up to 20,000 characters (``domain.events.chain``): as JSON with every character
  escaped (``\\u0e01``, 6 bytes) 2.4 MB, as a form in Thai or Khmer percent-encoded
  (9 bytes a character) 3.6 MB; so the pages' forms and ``POST
  /v1/cycles/{year}/report/drafts``. And Temporal's codec endpoint, whose payloads
  (at most 2 MB each, Temporal's own limit) come base64-encoded.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import handled

MiB = 1024 * 1024
API_BODY_LIMIT = 1 * MiB
LARGE_BODY_LIMIT = 4 * MiB


class TooLargeAsProblem:
    """Starlette's limiter answers a body announced over the limit (by its
    ``Content-Length``) itself, in plain text, whatever the app answered; this puts the
    app's own answer to a 413 in its place (a problem, or a page on the pages), as a
    body cut off while it streams gets. It wraps the whole application."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self._app = app
        self._fastapi = fastapi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        replaced = False

        async def send_ours(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the limiter's own body
            if message["type"] == "http.response.start" and message["status"] == 413:
                kind = Headers(raw=message.get("headers", [])).get("content-type", "")
                if kind.startswith("text/plain"):
                    replaced = True
                    request, error = Request(scope, receive), HTTPException(413)
                    handler = self._fastapi.exception_handlers[HTTPException]
                    answer = await handled(handler, request, error)
                    await answer(scope, receive, send)
                    return
            await send(message)

        await self._app(scope, receive, send_ours)
