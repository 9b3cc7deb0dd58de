"""What every route needs, built once by ``create_app`` and handed out per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.ratelimit import BadTokenLimiter
from api.status import StatusReader
from eventstore.store import EventStore
from services.cycles import CycleDeps
from services.records import NO_RECORDS, RecordsDeps
from services.users import DEFAULT_TOKEN_TTL, Directory


@dataclass(frozen=True)
class ApiContext:
    engine: Engine
    store: EventStore
    cycles: CycleDeps
    status: StatusReader
    clock: Callable[[], datetime]
    token_ttl: timedelta = DEFAULT_TOKEN_TTL
    bad_tokens: BadTokenLimiter = field(default_factory=BadTokenLimiter)
    records: RecordsDeps | None = None

    @property
    def records_deps(self) -> RecordsDeps:
        """The records use cases' dependencies (``services.records``)."""
        if self.records is None:
            return RecordsDeps(gateway=NO_RECORDS, sealer=self.cycles.sealer,
                               reference=self.cycles.reference)  # fmt: skip
        return self.records

    @property
    def users(self) -> Directory:
        """Where the users and tokens use cases act."""
        return Directory(store=self.store, token_ttl=self.token_ttl, clock=self.clock)


def api_context(request: Request) -> ApiContext:
    return cast(ApiContext, request.app.state.ascn)


Context = Annotated[ApiContext, Depends(api_context)]
