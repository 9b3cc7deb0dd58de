"""Errors that end an activity for good: retrying cannot change their outcome.

A domain rule's refusal is final, and so is an event id already stored with other
content: the store keeps the first fact under that id for ever, so every retry would
fail the same way (it once kept an update handler, and so its cycle, waiting for ever).
Both reach the workflow as a non-retryable ApplicationError that names what happened.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from temporalio.exceptions import ApplicationError

from domain.errors import DomainError
from eventstore.errors import EventIdConflict

P = ParamSpec("P")
R = TypeVar("R")

EVENT_ID_CONFLICT = "EventIdConflict"
"""The ApplicationError type of an event id already stored with other content."""


def refusals_are_final(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError as error:
            raise ApplicationError(
                str(error), type=type(error).__name__, non_retryable=True
            ) from error
        except EventIdConflict as error:
            raise ApplicationError(
                str(error), type=EVENT_ID_CONFLICT, non_retryable=True
            ) from error

    return wrapper
