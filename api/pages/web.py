"""What every page handler shares: the templates, the signed-in person, CSRF.

* The session cookie (``ascn_session``) holds a session token of the users model
  (``services.signin``): HttpOnly, SameSite=Lax, Secure outside development. A page
  without a live session sends the browser to the sign-in form.
* CSRF: every form carries a token that ``fastapi-csrf-protect`` checks against its
  signed cookie (the double-submit pattern). API routes take bearer tokens, which a
  browser never sends by itself, and need none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from fastapi_csrf_protect import CsrfProtect
from fastapi_csrf_protect.exceptions import CsrfProtectError
from itsdangerous import BadData, URLSafeTimedSerializer

from api.context import ApiContext, api_context
from api.pages.config import WebConfig
from api.pages.nav import entries_for
from domain.actors import Actor
from eventstore.readmodels.accounts import User
from services.signin import session_user

SESSION_COOKIE = "ascn_session"
CSRF_COOKIE = "ascn_csrf"
CSRF_FIELD = "csrf_token"
CSRF_MAX_AGE_S = 8 * 3600
# fastapi-csrf-protect signs with this salt; a page reuses a valid cookie's token so that
# two open tabs do not invalidate each other's forms.
_CSRF_SALT = "fastapi-csrf-token"

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _day(at: datetime | None, zone: str | None = None) -> str:
    """A date as people read it, in the cycle's zone (a deadline is the end of its day
    there, which may be another day in UTC)."""
    if at is None:
        return "—"
    return at.astimezone(ZoneInfo(zone or "UTC")).strftime("%a %d %b %Y")


templates.env.filters["day"] = _day


def web_config(request: Request) -> WebConfig:
    return cast(WebConfig, request.app.state.web)


@dataclass(frozen=True)
class Viewer:
    user: User
    token: str

    @property
    def actor(self) -> Actor:
        return self.user.actor


class SignInNeeded(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def current_viewer(request: Request) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    user = session_user(api_context(request).users, token)
    return None if user is None else Viewer(user=user, token=token)


def viewer(request: Request) -> Viewer:
    """A dependency: the signed-in person, else off to the sign-in form."""
    found = current_viewer(request)
    if found is None:
        raise SignInNeeded(request.url.path)
    return found


def signin_redirect(error: SignInNeeded) -> RedirectResponse:
    return RedirectResponse(f"/app/signin?next={quote(error.path)}", status_code=303)


def csrf_protect() -> CsrfProtect:
    return CsrfProtect()


def configure_csrf(config: WebConfig) -> None:
    @CsrfProtect.load_config
    def _settings() -> list[tuple[str, Any]]:
        return [
            ("secret_key", config.secret),
            ("cookie_key", CSRF_COOKIE),
            ("cookie_samesite", "lax"),
            ("cookie_secure", config.secure_cookies),
            ("httponly", True),
            ("token_location", "body"),
            ("token_key", CSRF_FIELD),
            ("max_age", CSRF_MAX_AGE_S),
        ]


def _csrf_tokens(request: Request) -> tuple[str, str | None]:
    """The token for this page's forms, and a new signed cookie if one is needed."""
    config = web_config(request)
    signed = request.cookies.get(CSRF_COOKIE)
    if signed:
        try:
            token = URLSafeTimedSerializer(config.secret, salt=_CSRF_SALT).loads(
                signed, max_age=CSRF_MAX_AGE_S // 2
            )
            return str(token), None
        except BadData:
            pass
    token, signed = csrf_protect().generate_csrf_tokens(config.secret)
    return token, signed


async def check_csrf(request: Request) -> None:
    """Raise ``CsrfProtectError`` unless the form's token matches its cookie."""
    await request.form()  # parsed once; the library reads the field from it
    await csrf_protect().validate_csrf(request)


def new_key() -> str:
    """An Idempotency-Key for one intended action: a form carries it, a retry reuses it."""
    return uuid.uuid4().hex


def page(
    request: Request,
    template: str,
    values: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    who: Viewer | None = None,
) -> HTMLResponse:
    token, signed = _csrf_tokens(request)
    actor = who.actor if who is not None else None
    response = templates.TemplateResponse(
        request,
        template,
        {
            "viewer": who,
            "actor": actor,
            "nav": entries_for(actor) if actor is not None else [],
            "path": request.url.path,
            "csrf_field": CSRF_FIELD,
            "csrf_token": token,
            "new_key": new_key,
            **(values or {}),
        },
        status_code=status_code,
    )
    if signed is not None:
        csrf_protect().set_csrf_cookie(signed, response)
    return response


def context_of(request: Request) -> ApiContext:
    return api_context(request)


__all__ = [
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "CsrfProtectError",
    "SignInNeeded",
    "Viewer",
    "check_csrf",
    "configure_csrf",
    "context_of",
    "current_viewer",
    "page",
    "signin_redirect",
    "viewer",
    "web_config",
]
