"""Calendar feeds as the users stream says they are, in the shape a feed request needs.

``eventstore.readmodels.accounts`` applies the users stream's events, these among
them, in its catch-up transaction; this module knows the feeds table. A feed token
is looked up by its SHA-256 alone, like a bearer token, but in a table of its own:
one kind of token is never the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection, Row

from domain.actors import Actor
from domain.events import FeedIssued, FeedRevoked
from eventstore.readmodels.accounts_tables import api_feeds, api_users


class FeedInfo(BaseModel):
    """A feed as it is listed: never its token."""

    model_config = ConfigDict(frozen=True)

    feed_id: str
    user: str
    created_at: datetime
    revoked_at: datetime | None


def feed_owner(engine: Engine, token_sha256: str) -> Actor | None:
    """Who a live feed reads as: its feed not revoked, its user not disabled."""
    query = (
        select(api_users.c.name, api_users.c.role)
        .join(api_feeds, api_feeds.c.user_id == api_users.c.id)
        .where(
            api_feeds.c.hash == token_sha256,
            api_feeds.c.revoked_at.is_(None),
            api_users.c.disabled.is_(False),
        )
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else Actor(id=row.name, role=row.role)


def feeds_of(conn: Connection, user: str) -> list[FeedInfo]:
    query = _feeds().where(api_users.c.name == user).order_by(api_feeds.c.created_at)
    return [_feed(row) for row in conn.execute(query)]


def find_feed(conn: Connection, feed_id: str) -> FeedInfo | None:
    row = conn.execute(_feeds().where(api_feeds.c.feed_id == feed_id)).first()
    return None if row is None else _feed(row)


def apply_feed(conn: Connection, event: FeedIssued | FeedRevoked, occurred_at: datetime) -> None:
    """One feed event's change; harmless applied twice, as every accounts change is."""
    if isinstance(event, FeedIssued):
        if find_feed(conn, event.feed_id) is None:
            user_id = conn.execute(
                select(api_users.c.id).where(api_users.c.name == event.user)
            ).scalar_one()
            conn.execute(
                insert(api_feeds).values(
                    hash=event.token_sha256, feed_id=event.feed_id, user_id=user_id,
                    created_at=occurred_at, revoked_at=None,
                )
            )  # fmt: skip
        return
    conn.execute(
        update(api_feeds)
        .where(api_feeds.c.feed_id == event.feed_id, api_feeds.c.revoked_at.is_(None))
        .values(revoked_at=occurred_at)
    )


def _feeds() -> Any:
    return select(api_feeds, api_users.c.name.label("user")).join(
        api_users, api_users.c.id == api_feeds.c.user_id
    )


def _feed(row: Row[Any]) -> FeedInfo:
    return FeedInfo(
        feed_id=row.feed_id, user=row.user, created_at=row.created_at, revoked_at=row.revoked_at
    )
