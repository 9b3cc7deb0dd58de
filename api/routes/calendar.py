"""Calendar feeds of a cycle's deadlines (iCalendar), for whoever may read its status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Response

from api.auth import may
from api.context import Context
from api.problems import problem_responses
from api.status import known_cycle, lag_headers
from domain.access import Action
from domain.actors import Actor
from domain.errors import UnknownMemberState
from eventstore.readmodels.cycles import CycleStatusView
from feeds.ical import cycle_calendar

router = APIRouter(prefix="/v1/cycles", tags=["calendar"])

YearPath = Annotated[int, Path(ge=1967, le=9999, description="The cycle's year.")]
MemberStatePath = Annotated[
    str, Path(pattern=r"^[A-Z]{2}$", description="A member state's code, e.g. MY.")
]
Reader = Annotated[Actor, Depends(may(Action.READ_CYCLE))]
CALENDAR = "text/calendar"
FEED_RESPONSES = {
    200: {"content": {CALENDAR: {"schema": {"type": "string"}}}, "description": "iCalendar"},
    **problem_responses(401, 403, 404, 422),
}


def _feed(body: bytes, filename: str, view: CycleStatusView) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{filename}"', **lag_headers(view.lag)}
    return Response(body, media_type=CALENDAR, headers=headers)


@router.get("/{year}/calendar.ics", response_class=Response, responses=FEED_RESPONSES)
def cycle_feed(year: YearPath, _: Reader, context: Context) -> Response:
    """Every step deadline of the cycle, one event each (UID ``<year>-<step>@ascn``)."""
    view = known_cycle(context.status, year)
    return _feed(cycle_calendar(view, now=context.clock()), f"ascn-{year}.ics", view)


@router.get(
    "/{year}/calendar/{member_state}.ics", response_class=Response, responses=FEED_RESPONSES
)
def member_state_feed(
    year: YearPath, member_state: MemberStatePath, _: Reader, context: Context
) -> Response:
    """The deadlines a member state's National Representative owes in the cycle."""
    try:
        context.cycles.reference.member_state(member_state)
    except UnknownMemberState as error:
        raise HTTPException(404, str(error)) from None
    view = known_cycle(context.status, year)
    body = cycle_calendar(view, now=context.clock(), member_state=member_state)
    return _feed(body, f"ascn-{year}-{member_state}.ics", view)
