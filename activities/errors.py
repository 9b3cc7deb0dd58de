"""Errors that end an activity for good: retrying cannot change their outcome.

A domain rule's refusal is final, and so is an event id already stored with other
content: the store keeps the first fact under that id for ever, so every retry would
fail the same way (it once kept an update handler, and so its cycle, waiting for ever).
Both reach the workflow as a non-retryable ApplicationError that names what happened.

Every failure an activity reports travels in Temporal's history, where a failure over
the size limit is itself refused ("Failure exceeds size limit") and the real cause is
lost. So the message Temporal gets is cut to ``MAX_MESSAGE`` characters, with no
chained cause (the SDK would send the cause's full message too); the worker's log
keeps the whole error.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from temporalio.exceptions import ApplicationError, FailureError

from domain.errors import DomainError
from eventstore.errors import EventIdConflict

P = ParamSpec("P")
R = TypeVar("R")
MAX_MESSAGE = 400
log = logging.getLogger("ascn.activities")


def short(message: str) -> str:
    """``message``, or its first ``MAX_MESSAGE`` characters saying that it was cut."""
    if len(message) <= MAX_MESSAGE:
        return message
    note = f"... ({len(message)} characters; the worker's log has them all)"
    return message[: MAX_MESSAGE - len(note)] + note


EVENT_ID_CONFLICT = "EventIdConflict"
"""The ApplicationError type of an event id already stored with other content."""


def refusals_are_final(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except FailureError:
            raise  # Temporal's own (a cancellation, an ApplicationError): as they are
        except DomainError as error:
            if len(str(error)) > MAX_MESSAGE:
                raise _cut(error, non_retryable=True) from None
            raise ApplicationError(
                str(error), type=type(error).__name__, non_retryable=True
            ) from error
        except EventIdConflict as error:
            if len(str(error)) > MAX_MESSAGE:
                cut = _cut(error, non_retryable=True)
                raise ApplicationError(
                    cut.message, type=EVENT_ID_CONFLICT, non_retryable=True
                ) from None
            raise ApplicationError(
                str(error), type=EVENT_ID_CONFLICT, non_retryable=True
            ) from error
        except Exception as error:
            if len(str(error)) > MAX_MESSAGE:
                # Retried as before, under the same type name, in a size Temporal takes.
                raise _cut(error, non_retryable=False) from None
            raise

    return wrapper


def _cut(error: Exception, *, non_retryable: bool) -> ApplicationError:
    log.error("activity failed: %s", error, exc_info=error)
    return ApplicationError(
        short(str(error)), type=type(error).__name__, non_retryable=non_retryable
    )
