"""The app factory. No module-level app, engine or client: the caller builds them.

app = create_app(engine=engine, cycles=CycleDeps(...))  (ascn.bootstrap builds both)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine
from starlette.types import ASGIApp
from temporalio.converter import PayloadCodec

from api.access_log import redact_feed_tokens_in_access_log
from api.context import ApiContext
from api.docs import DOCS, OPENAPI, install_docs
from api.limits import API_BODY_LIMIT, TooLargeAsProblem
from api.pages import WebConfig, install_pages
from api.problems import add_problem_schema, install_problem_handlers
from api.ratelimit import DEFAULT_LIMIT, BadTokenLimiter
from api.routes import calendar, chain, feeds, nominations, report, store, users
from api.routes import cycles as cycle_routes
from api.routes import records as record_routes
from api.routes.codec import install_codec
from api.security import HeadAsGet, SecurityHeaders, docs_policy
from api.status import ReadModelStatus, StatusReader
from eventstore.store import EventStore, utc_now
from services.cycles import CycleDeps
from services.records import RecordsDeps
from services.users import DEFAULT_TOKEN_TTL

DESCRIPTION = """\
People act on the ASEAN Smart Cities Network's yearly cycle: NRs nominate, the Chair's
team of the year's Chair decides, the shepherd starts cycles, ASEC follows and approves
what it owes. Every write goes through the application services, which check the access
policy and seal the command with the time ascn received it, so every recorded fact
names who did it and when it arrived.
Errors are `application/problem+json`; a request the cycle refuses is a 409 whose
detail is the cycle's own message, and nothing is recorded.
"""


class AscnApi(FastAPI):
    """FastAPI whose every response, a 500 included, carries the security headers, and
    which answers HEAD wherever it answers GET (``api.security``); a body over its
    limit is answered as the app answers a 413 (``api.limits``)."""

    csp: dict[str, str]

    def build_middleware_stack(self) -> ASGIApp:
        inner = TooLargeAsProblem(super().build_middleware_stack(), self)
        return HeadAsGet(SecurityHeaders(inner, self.csp))


def create_app(
    *,
    engine: Engine,
    cycles: CycleDeps,
    clock: Callable[[], datetime] = utc_now,
    status: StatusReader | None = None,
    codec: PayloadCodec | None = None,
    codec_origins: Sequence[str] = (),
    token_ttl: timedelta = DEFAULT_TOKEN_TTL,
    auth_failure_limit: str = DEFAULT_LIMIT,
    production: bool = False,
    web: WebConfig | None = None,
    records: RecordsDeps | None = None,
) -> FastAPI:
    """The API over ``engine`` (users, tokens, read models) and the cycle services.

    ``clock`` stamps receipt and creation times and tells which tokens expired;
    ``status`` defaults to the cycle read model. ``token_ttl`` is how long a new token
    lives, ``auth_failure_limit`` how many bad tokens a client may send (e.g. "20/minute").
    With ``codec``, admins can decode and encode Temporal payloads at /codec (the web
    UI's codec endpoint), from browsers on ``codec_origins``. ``production`` turns the
    docs page off and keeps the OpenAPI document for admins (``api.docs``). ``web``
    configures the pages (``api.pages``): sign-in mail, base URL, cookies. ``records``:
    the action plans' and partners' use cases (without it, their writes answer 503).
    """
    app = AscnApi(
        title="ascn", version="1", description=DESCRIPTION, docs_url=None, redoc_url=None,
        openapi_url=None if production else OPENAPI, max_body_size=API_BODY_LIMIT,
    )  # fmt: skip
    app.csp = {}
    app.state.ascn = ApiContext(
        engine=engine,
        store=EventStore(engine),
        cycles=cycles,
        status=status or ReadModelStatus(engine),
        clock=clock,
        token_ttl=token_ttl,
        bad_tokens=BadTokenLimiter(auth_failure_limit),
        records=records,
    )
    install_problem_handlers(app)
    redact_feed_tokens_in_access_log()
    for router in (
        users.me_router,
        cycle_routes.router,
        calendar.router,
        nominations.router,
        chain.router,
        chain.membership_router,
        report.router,
        record_routes.router,
        feeds.router,
        store.router,
        users.router,
    ):
        app.include_router(router)
    if codec is not None:
        install_codec(app, codec, codec_origins)
    install_pages(app, web or WebConfig(secure_cookies=production), app.csp)
    script = install_docs(app, production=production)
    if script is not None:
        app.csp[DOCS] = docs_policy(script)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes,
            )  # fmt: skip
            add_problem_schema(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
