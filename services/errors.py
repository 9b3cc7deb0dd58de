"""What a command can end in besides its result: the cycle's refusals, and what the
users and tokens use cases refuse (each message names the user or token)."""

from __future__ import annotations

from domain.errors import DomainError


class Refused(Exception):
    """The cycle refused the command (its validator, or starting it); nothing was recorded."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownStep(Refused):
    """The cycle's plan has no step of that name: nothing to act on, ever (a 404, where
    other refusals may pass once the cycle's state changes)."""


class CycleNotFound(Exception):
    """No cycle workflow runs for that year (or, for a read, the read models know none)."""

    def __init__(self, year: int, message: str | None = None) -> None:
        super().__init__(message or f"no cycle is running for {year} (workflow ascn-cycle-{year})")
        self.year = year


class CycleUnavailable(Exception):
    """Temporal did not answer (down, overloaded, or the update timed out)."""


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


class UnknownFeed(UserError):
    pass


class FeedAlreadyRevoked(UserError):
    pass
