"""Calendar feeds of a cycle's deadlines (iCalendar), for whoever may read its status.

The same feeds answer at ``/v1/feeds/<token>/...`` for calendar applications, which
cannot send a bearer token (``api.routes.feeds``); both build them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response

from api.auth import may
from api.context import ApiContext, Context
from api.problems import problem_responses
from api.status import known_cycle, lag_headers
from domain.access import Action, Scope, refusal
from domain.actors import Actor
from domain.errors import UnknownMemberState
from feeds.ical import cycle_calendar, planned_of

router = APIRouter(prefix="/v1/cycles", tags=["calendar"])

YearPath = Annotated[int, Path(ge=1967, le=9999, description="The cycle's year.")]
MemberStatePath = Annotated[
    str, Path(pattern=r"^[A-Z]{2}$", description="A member state's code, e.g. MY.")
]
Reader = Annotated[Actor, Depends(may(Action.READ_CYCLE))]
CALENDAR = "text/calendar"


def feed_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    ical = {"content": {CALENDAR: {"schema": {"type": "string"}}}, "description": "iCalendar"}
    return {200: ical, **problem_responses(*statuses)}


def known_member_state(context: ApiContext, code: str) -> None:
    try:
        context.cycles.reference.member_state(code)
    except UnknownMemberState as error:
        raise HTTPException(404, str(error)) from None


def calendar_response(
    context: ApiContext,
    year: int,
    member_state: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    reader: Actor,
) -> Response:
    """The year's feed, or only the steps ``member_state``'s NR owes; 404 for a year
    with no cycle or an unknown member state (whoever asks), 403 for a member state
    ``reader`` may not read (an NR: another's)."""
    if member_state is not None:
        known_member_state(context, member_state)
        scope = Scope(year=year, member_state=member_state)
        reason = refusal(reader, Action.READ_STATE_CALENDAR, scope)
        if reason is not None:
            raise HTTPException(403, reason)
    view = known_cycle(context.status, year)
    planned = planned_of(context.engine, year)
    body = cycle_calendar(view, now=context.clock(), member_state=member_state, planned=planned)
    filename = f"ascn-{year}" + (f"-{member_state}" if member_state else "") + ".ics"
    disposition = {"Content-Disposition": f'inline; filename="{filename}"'}
    every = {**disposition, **lag_headers(view.lag), **(headers or {})}
    return Response(body, media_type=CALENDAR, headers=every)


@router.get(
    "/{year}/calendar.ics", response_class=Response,
    responses=feed_responses(401, 403, 404, 422),
)  # fmt: skip
def cycle_feed(year: YearPath, reader: Reader, context: Context) -> Response:
    """Every step deadline of the cycle, one event each (UID ``<year>-<step>@ascn``)."""
    return calendar_response(context, year, reader=reader)


@router.get(
    "/{year}/calendar/{member_state}.ics", response_class=Response,
    responses=feed_responses(401, 403, 404, 422),
)  # fmt: skip
def member_state_feed(
    year: YearPath, member_state: MemberStatePath, reader: Reader, context: Context
) -> Response:
    """The deadlines a member state's National Representative owes in the cycle (an
    NR: its own member state's only)."""
    return calendar_response(context, year, member_state, reader=reader)
