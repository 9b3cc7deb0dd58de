"""Events of the API's users, their tokens and calendar feeds (one stream: ``users``).

Who made the change travels in the envelope's actor, as for every event. A token
appears only as its public id and its SHA-256, never in plain: the store is
exported and read by auditors, and a hash cannot be presented as a bearer token.
Names are not checked against today's slug rule here, so that the users created
before it can still be disabled, enabled and given tokens.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, StringConstraints

from domain.events.base import DomainEvent
from domain.events.registry import REGISTRY
from domain.values import NonEmptyStr

USERS_STREAM = "users"
"""One stream for every user and token: its version orders all their changes, so a
decision (is this name free? is this token live?) is checked by one expected version."""

TOKEN_ID_PATTERN = r"^tok_[0-9a-f]{12}$"  # noqa: S105 (a token's public id, not a secret)
TokenId = Annotated[str, StringConstraints(pattern=TOKEN_ID_PATTERN)]
"""The public name of a token (``tok_`` and 48 random bits), safe to show and log."""
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
FEED_ID_PATTERN = r"^feed_[0-9a-f]{12}$"
FeedId = Annotated[str, StringConstraints(pattern=FEED_ID_PATTERN)]
"""The public name of a calendar feed, safe to show and log (its token is not)."""


@REGISTRY.register
class UserAdded(DomainEvent):
    name: NonEmptyStr
    role: NonEmptyStr


@REGISTRY.register
class UserDisabled(DomainEvent):
    """The user's tokens stop working until the user is enabled again."""

    name: NonEmptyStr


@REGISTRY.register
class UserEnabled(DomainEvent):
    name: NonEmptyStr


@REGISTRY.register
class TokenIssued(DomainEvent):
    """A token for ``user``, valid until ``expires_at`` unless revoked first."""

    token_id: TokenId
    user: NonEmptyStr
    expires_at: AwareDatetime
    token_sha256: Sha256


@REGISTRY.register
class TokenRevoked(DomainEvent):
    token_id: TokenId
    user: NonEmptyStr


@REGISTRY.register
class FeedIssued(DomainEvent):
    """A calendar feed for ``user``: a token in a URL that reads the calendars the user
    may read, and nothing else. It lives until revoked, or while its user is enabled."""

    feed_id: FeedId
    user: NonEmptyStr
    token_sha256: Sha256


@REGISTRY.register
class FeedRevoked(DomainEvent):
    feed_id: FeedId
    user: NonEmptyStr
