"""What the users and tokens use cases refuse; each message names the user or token."""

from __future__ import annotations

from domain.errors import DomainError


class UserError(DomainError):
    """A request about users or tokens that cannot be done; the message says why."""


class UnknownUser(UserError):
    pass


class UnknownToken(UserError):
    pass


class UserExists(UserError):
    pass


class TokenAlreadyRevoked(UserError):
    pass
