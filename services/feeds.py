"""Calendar feeds: a private, revocable URL per person, for calendar applications.

Calendar applications subscribe to a URL and cannot send a bearer header, so a feed
is a capability: ``/v1/feeds/<token>/cycles/<year>.ics``. The token is 256 random
bits, shown once; only its SHA-256 is kept (``FeedIssued`` in the ``users`` stream,
``api_feeds`` for the lookup). It grants nothing but the feeds, and only what its
owner may read when the feed is fetched (an NR: the cycle and its own AMS's feed):
disabling the owner stops their feeds, enabling them restarts them. Feeds do not
expire; their owner lists them (by id, never the token) and revokes them.

Changes go through ``services.users.record``, as every change to the users stream
does, so a feed's events are decided, appended and applied like a token's.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from domain.access import Action, authorize
from domain.actors import Actor
from domain.events import DomainEvent, FeedIssued, FeedRevoked
from eventstore.readmodels.accounts import find_user, token_hash
from eventstore.readmodels.feeds import FeedInfo as FeedInfo
from eventstore.readmodels.feeds import feed_owner, feeds_of, find_feed
from services.errors import FeedAlreadyRevoked, UnknownFeed, UnknownUser
from services.users import Directory, record

MAX_FEED_TOKEN_LENGTH = 200
"""Longer path segments are refused without a query (ours are 43 characters)."""


class IssuedFeed(BaseModel):
    """A new feed, its token in plain this once."""

    model_config = ConfigDict(frozen=True)

    feed_id: str
    user: str
    created_at: datetime
    token: str = Field(repr=False)


def issue_feed(directory: Directory, actor: Actor) -> IssuedFeed:
    """A new feed for the acting person. Drawn once per command, so a decision taken
    again after a conflict issues the same feed."""
    authorize(actor, Action.KEEP_FEEDS)
    token = secrets.token_urlsafe(32)
    feed_id = f"feed_{secrets.token_hex(6)}"

    def decide(conn: Connection) -> list[DomainEvent]:
        user = find_user(conn, actor.id)
        if user is None or user.disabled:
            raise UnknownUser(f"no enabled user named {actor.id!r} to keep a feed")
        return [FeedIssued(feed_id=feed_id, user=user.name, token_sha256=token_hash(token))]

    record(directory, actor, decide)
    feed = _own_feed(directory, actor, feed_id)
    return IssuedFeed(feed_id=feed_id, user=feed.user, created_at=feed.created_at, token=token)


def list_feeds(directory: Directory, actor: Actor) -> tuple[FeedInfo, ...]:
    """The acting person's feeds, revoked ones included."""
    authorize(actor, Action.KEEP_FEEDS)
    with directory.engine.connect() as conn:
        return tuple(feeds_of(conn, actor.id))


def revoke_feed(directory: Directory, feed_id: str, actor: Actor) -> FeedInfo:
    """End one of the acting person's feeds. Another person's feed is "no such feed",
    so that feed ids cannot be probed."""
    authorize(actor, Action.KEEP_FEEDS)

    def decide(conn: Connection) -> list[DomainEvent]:
        feed = _known(conn, actor, feed_id)
        if feed.revoked_at is not None:
            raise FeedAlreadyRevoked(
                f"feed {feed_id} was already revoked at {feed.revoked_at.isoformat()}"
            )
        return [FeedRevoked(feed_id=feed_id, user=feed.user)]

    record(directory, actor, decide)
    return _own_feed(directory, actor, feed_id)


def feed_reader(engine: Engine, token: str) -> Actor | None:
    """Who the feed with this token reads as; None for no live feed."""
    if not token or len(token) > MAX_FEED_TOKEN_LENGTH:
        return None
    return feed_owner(engine, token_hash(token))


def _own_feed(directory: Directory, actor: Actor, feed_id: str) -> FeedInfo:
    with directory.engine.connect() as conn:
        return _known(conn, actor, feed_id)


def _known(conn: Connection, actor: Actor, feed_id: str) -> FeedInfo:
    feed = find_feed(conn, feed_id)
    if feed is None or feed.user != actor.id:
        raise UnknownFeed(f"you have no feed with id {feed_id!r}")
    return feed
