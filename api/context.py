"""What every route needs, built once by ``create_app`` and handed out per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.status import StatusReader
from eventstore.store import EventStore
from services.cycles import CycleDeps


@dataclass(frozen=True)
class ApiContext:
    engine: Engine
    store: EventStore
    cycles: CycleDeps
    status: StatusReader
    clock: Callable[[], datetime]


def api_context(request: Request) -> ApiContext:
    return cast(ApiContext, request.app.state.ascn)


Context = Annotated[ApiContext, Depends(api_context)]
