"""The event store itself: paging through every fact, and checking the hash chains."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.auth import may
from api.context import Context
from api.models import BrokenLinkOut, VerifyOut
from api.problems import problem_responses
from domain.access import Action
from domain.actors import Actor
from eventstore.records import RecordedEvent
from eventstore.verify import verify_store

router = APIRouter(prefix="/v1", tags=["store"])

MAX_POSITION = 2**63 - 1
"""Positions are 64-bit integers in both databases; a larger ``after`` is a 422."""
Auditor = Annotated[Actor, Depends(may(Action.READ_EVENTS))]


class EventsPage(BaseModel):
    events: list[RecordedEvent]
    next_after: int
    """Pass as ``after`` for the next page; equal to ``after`` when nothing is newer."""


@router.get("/events", response_model=EventsPage, responses=problem_responses(401, 403, 422))
def read_events(
    _: Auditor,
    context: Context,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="The last position already read.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventsPage:
    """Every event in global position order, one page at a time."""
    page = context.store.read_all(after_position=after, limit=limit)
    return EventsPage(events=page, next_after=page[-1].position if page else after)


@router.post("/verify", response_model=VerifyOut, responses=problem_responses(401, 403))
def verify(_: Auditor, context: Context) -> VerifyOut:
    """Walk every stream's hash chain; ``broken`` names the first broken link."""
    report = verify_store(context.store)
    broken = report.broken
    return VerifyOut(
        ok=report.ok,
        events_checked=report.events_checked,
        streams_checked=report.streams_checked,
        broken=None
        if broken is None
        else BrokenLinkOut(
            stream_id=broken.stream_id,
            version=broken.version,
            position=broken.position,
            reason=broken.reason,
        ),
    )
