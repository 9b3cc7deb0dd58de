"""An activity's failure fits in Temporal's history: long messages are cut, and the
worker's log keeps them whole."""

from __future__ import annotations

import logging

import pytest
from temporalio.exceptions import ApplicationError

from activities.errors import MAX_MESSAGE, refusals_are_final
from domain.errors import DomainError

LONG = "Kuala Lumpur, " * 2000  # what a refusal listing thousands of cities could say


def failing(error: Exception) -> ApplicationError:
    @refusals_are_final
    def activity() -> None:
        raise error

    with pytest.raises(ApplicationError) as raised:
        activity()
    return raised.value


def test_a_long_domain_error_is_cut_final_and_logged_whole(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="ascn.activities"):
        reported = failing(DomainError(LONG))

    assert len(reported.message) <= MAX_MESSAGE
    assert reported.message.startswith("Kuala Lumpur, ")
    assert f"({len(LONG)} characters; the worker's log has them all)" in reported.message
    assert (reported.type, reported.non_retryable) == ("DomainError", True)
    # The SDK would send a chained cause's message along; there is none.
    assert reported.__cause__ is None
    assert any(LONG.strip() in record.getMessage() for record in caplog.records)


def test_a_long_unexpected_error_is_cut_and_still_retried() -> None:
    reported = failing(RuntimeError(LONG))

    assert len(reported.message) <= MAX_MESSAGE
    assert (reported.type, reported.non_retryable) == ("RuntimeError", False)


def test_a_short_domain_error_travels_as_before() -> None:
    error = DomainError("MY nominated 4 cities; at most 3 are allowed without an exception")

    reported = failing(error)

    assert reported.message == str(error)
    assert (reported.type, reported.non_retryable) == ("DomainError", True)
    assert reported.__cause__ is error
