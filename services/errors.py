"""What a cycle command can end in besides its result. Domain errors pass through as
they are (``NotAuthorised`` among them)."""

from __future__ import annotations


class Refused(Exception):
    """The cycle refused the command (its validator, or starting it); nothing was recorded."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CycleNotFound(Exception):
    """No cycle workflow runs for that year."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no cycle is running for {year} (workflow ascn-cycle-{year})")
        self.year = year


class CycleUnavailable(Exception):
    """Temporal did not answer (down, overloaded, or the update timed out)."""
