"""What every response carries, and HEAD for every GET.

The API answers JSON and iCalendar, one HTML page (/docs), and the annual report as
HTML, which sets a policy of its own. Browsers are told to run nothing it did not send
itself, to frame none of it, to guess no content type, and to send no Referer onwards
(a feed URL is a secret: ``api.routes.feeds``). The docs page gets the one policy that
lets Swagger UI run from the files under ``api/static/swagger``: its script and styles
from this origin, and its one inline script by hash.

Both wrap the whole application, outside Starlette's error middleware, so that a 500
carries the headers too.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCKED = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""For every answer but the docs page: nothing to load, run or frame."""


def docs_policy(inline_script_hash: str) -> str:
    """The docs page's policy; ``inline_script_hash`` is ``sha256-<base64>``."""
    return (
        f"default-src 'none'; script-src 'self' '{inline_script_hash}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


PAGES = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The web pages' policy (``api.pages``): scripts and styles from this origin only, no
inline script or style, forms posted back here. Pico draws its icons as data: URLs."""


class SecurityHeaders:
    """Adds ``HEADERS`` and a Content-Security-Policy to every HTTP response:
    ``policies[path]`` for the paths named there, then the policy of the longest key
    ending in ``*`` that the path starts with, ``LOCKED`` for all others. An answer
    that sets its own policy keeps it: the annual report's HTML
    (``api.routes.report``) allows its one stylesheet by hash, and nothing else."""

    def __init__(self, app: ASGIApp, policies: Mapping[str, str]) -> None:
        self._app = app
        self._policies = dict(policies)
        self._prefixes = sorted(
            ((key[:-1], value) for key, value in policies.items() if key.endswith("*")),
            key=lambda pair: -len(pair[0]),
        )

    def policy(self, path: str) -> str:
        exact = self._policies.get(path)
        if exact is not None:
            return exact
        for prefix, value in self._prefixes:
            if path.startswith(prefix):
                return value
        return LOCKED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        policy = self.policy(str(scope["path"]))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if "Content-Security-Policy" not in headers:
                    headers["Content-Security-Policy"] = policy
            await send(message)

        await self._app(scope, receive, send_with_headers)


class HeadAsGet:
    """Answers HEAD as the GET of the same URL would, without the body.

    FastAPI routes answer only the methods they declare, and calendar applications
    (and link checkers) ask HEAD before they subscribe. The GET runs as it would (the
    same checks, the same headers, Content-Length included); only its body is dropped.
    The OpenAPI document lists the GETs only.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self._app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self._app({**scope, "method": "GET"}, receive, send_without_body)
