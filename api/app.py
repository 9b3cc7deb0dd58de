"""The app factory. No module-level app, engine or client: the caller builds them.

app = create_app(engine=engine, gateway=TemporalCycleGateway(client, queue, reference))
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine

from api.context import ApiContext
from api.gateway import CycleGateway
from api.problems import add_problem_schema, install_problem_handlers
from api.ratelimit import DEFAULT_LIMIT, BadTokenLimiter
from api.routes import calendar, cycles, nominations, store, users
from api.status import ReadModelStatus, StatusReader
from eventstore.store import EventStore, utc_now
from services.users import DEFAULT_TOKEN_TTL

DESCRIPTION = """\
People act on the ASEAN Smart Cities Network's yearly cycle: NRs nominate, the Chair's
team decides, the shepherd starts cycles and audits the store. Every write becomes a
Temporal update carrying the caller as actor, so every recorded fact names who did it.
Errors are `application/problem+json`; a request the cycle refuses is a 409 whose
detail is the cycle's own message, and nothing is recorded.
"""


def create_app(
    *,
    engine: Engine,
    gateway: CycleGateway,
    clock: Callable[[], datetime] = utc_now,
    status: StatusReader | None = None,
    token_ttl: timedelta = DEFAULT_TOKEN_TTL,
    auth_failure_limit: str = DEFAULT_LIMIT,
) -> FastAPI:
    """The API over ``engine`` (users, tokens, read models) and ``gateway`` (the cycles).

    ``clock`` stamps ``sent_at`` and creation times and tells which tokens expired;
    ``status`` defaults to the cycle read model. ``token_ttl`` is how long a new token
    lives, ``auth_failure_limit`` how many bad tokens a client may send (e.g. "20/minute").
    """
    app = FastAPI(title="ascn", version="1", description=DESCRIPTION)
    app.state.ascn = ApiContext(
        engine=engine,
        store=EventStore(engine),
        gateway=gateway,
        status=status or ReadModelStatus(engine),
        clock=clock,
        token_ttl=token_ttl,
        bad_tokens=BadTokenLimiter(auth_failure_limit),
    )
    install_problem_handlers(app)
    for router in (cycles.router, calendar.router, nominations.router, store.router, users.router):
        app.include_router(router)

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
