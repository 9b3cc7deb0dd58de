"""Calendar feeds a calendar application can subscribe to (``services.feeds``).

Anyone signed in keeps feeds of their own: ``POST /v1/feeds`` shows a feed's token
once, in the URLs to subscribe to. A feed URL answers what its owner may read when it
is fetched, with no bearer token: ``/v1/feeds/<token>/cycles/<year>.ics`` and
``/v1/feeds/<token>/cycles/<year>/<AMS>.ics`` (an NR: its own AMS only). An unknown or
revoked feed, or one whose owner is disabled, is a 404 and counts as a bad token
(``api.ratelimit``). The token never reaches the access log (``api.access_log``) nor,
by Referer, another site (``api.security``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel

from api.auth import bearerless, may
from api.context import ApiContext, Context
from api.problems import problem_responses
from api.routes.calendar import (
    MemberStatePath,
    YearPath,
    calendar_response,
    feed_responses,
)
from domain.access import Action, refusal
from domain.actors import Actor
from domain.events.users import FEED_ID_PATTERN
from services import feeds
from services.feeds import FeedInfo

PREFIX = "/v1/feeds"
router = APIRouter(prefix=PREFIX, tags=["feeds"])

Person = Annotated[Actor, Depends(may(Action.KEEP_FEEDS))]
FeedIdPath = Annotated[
    str, Path(pattern=FEED_ID_PATTERN, description="The feed's id, e.g. feed_0123456789ab.")
]
FeedToken = Annotated[
    str, Path(min_length=1, max_length=200, description="The feed's token, as issued.")
]
# Feeds are personal: no shared cache may keep one, and its URL is the key to it.
PRIVATE = {"Cache-Control": "private, no-store"}
# A feed takes no bearer token, so no 401; a bad token is a 404 (and counts, 429).
READ_RESPONSES = feed_responses(403, 404, 422, 429, 503)


class FeedInfoOut(BaseModel):
    """A feed as listed: its id and times, never its token."""

    feed_id: str
    created_at: datetime
    revoked_at: datetime | None


class FeedOut(FeedInfoOut):
    token: str
    """Shown this once; only its SHA-256 is kept."""
    cycle_feed: str
    """The path of a cycle's feed, ``{year}`` to fill in."""
    member_state_feed: str
    """The path of the feed of what one member state's NR owes (an NR: its own)."""


@router.post(
    "", status_code=201, response_model=FeedOut, responses=problem_responses(401, 403, 404, 409)
)
def issue_feed(actor: Person, context: Context, response: Response) -> FeedOut:
    """A new feed of your own; its token is shown this once, in the URLs."""
    issued = feeds.issue_feed(context.users, actor)
    response.headers.update({"Cache-Control": "no-store"})
    base = f"{PREFIX}/{issued.token}/cycles/{{year}}"
    return FeedOut(
        feed_id=issued.feed_id, created_at=issued.created_at, revoked_at=None,
        token=issued.token, cycle_feed=f"{base}.ics", member_state_feed=f"{base}/{{AMS}}.ics",
    )  # fmt: skip


@router.get("", response_model=list[FeedInfoOut], responses=problem_responses(401, 403))
def list_feeds(actor: Person, context: Context) -> list[FeedInfoOut]:
    """Your feeds, revoked ones included."""
    return [info_out(feed) for feed in feeds.list_feeds(context.users, actor)]


@router.post(
    "/{feed_id}/revoke", response_model=FeedInfoOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)  # fmt: skip
def revoke_feed(feed_id: FeedIdPath, actor: Person, context: Context) -> FeedInfoOut:
    """End one of your feeds: its URL answers 404 from now on."""
    return info_out(feeds.revoke_feed(context.users, feed_id, actor))


def feed_owner(request: Request, token: FeedToken, context: Context) -> Actor:
    """Who the feed in the URL reads as; 404 for no live feed (429 after too many)."""
    context.bad_tokens.refuse_if_over(request)
    owner = feeds.feed_reader(context.engine, token)
    if owner is None:
        context.bad_tokens.count_failure(request)
        raise HTTPException(404, "no such feed: it is unknown or revoked, or its owner is disabled")
    return owner


Owner = Annotated[Actor, Depends(feed_owner)]


@router.get("/{token}/cycles/{year}.ics", response_class=Response, responses=READ_RESPONSES)
@bearerless
def cycle_feed(year: YearPath, owner: Owner, context: Context) -> Response:
    """The cycle's feed (as ``/v1/cycles/{year}/calendar.ics``), for the feed's owner."""
    return _read(context, owner, year, None)


@router.get(
    "/{token}/cycles/{year}/{member_state}.ics", response_class=Response,
    responses=READ_RESPONSES,
)  # fmt: skip
@bearerless
def member_state_feed(
    year: YearPath, member_state: MemberStatePath, owner: Owner, context: Context
) -> Response:
    """What a member state's NR owes in the cycle, if the feed's owner may read it."""
    return _read(context, owner, year, member_state)


def _read(context: ApiContext, owner: Actor, year: int, member_state: str | None) -> Response:
    """As the bearer routes answer the feed's owner (``api.routes.calendar``)."""
    reason = refusal(owner, Action.READ_CYCLE)
    if reason is not None:
        raise HTTPException(403, reason)
    return calendar_response(context, year, member_state, PRIVATE, reader=owner)


def info_out(feed: FeedInfo) -> FeedInfoOut:
    return FeedInfoOut(feed_id=feed.feed_id, created_at=feed.created_at, revoked_at=feed.revoked_at)
