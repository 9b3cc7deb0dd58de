"""A return identical to the one standing changes nothing; exceptions have an upper bound."""

from __future__ import annotations

import pytest

from domain.errors import InvalidExceptionLimit, RepeatedReturn
from domain.nominations import (
    declare_nil_return,
    grant_exception,
    refuse_repeat,
    submit_nominations,
)
from domain.values import MAX_CITIES_UNDER_EXCEPTION
from tests.unit.builders import LATE, REFERENCE, empty, grant, nil_return, submit


def test_the_same_nominations_again_are_a_repeat_and_other_ones_are_not() -> None:
    first = submit_nominations(empty("MY"), submit("MY", ["Kuala Lumpur"]), REFERENCE)
    ledger = empty("MY").apply_all(first)

    with pytest.raises(RepeatedReturn, match="MY already submitted these nominations for 2018"):
        refuse_repeat(ledger, submit_nominations(ledger, submit("MY", ["Kuala Lumpur"]), REFERENCE))
    # A late copy of an on-time return changes nothing either: the on-time one stands.
    late = submit_nominations(ledger, submit("MY", ["Kuala Lumpur"], at=LATE), REFERENCE)
    with pytest.raises(RepeatedReturn):
        refuse_repeat(ledger, late)
    # The first return, another year's, or other cities are no repeat.
    refuse_repeat(empty("MY"), first)
    next_year = submit_nominations(ledger, submit("MY", ["Kuala Lumpur"], year=2019), REFERENCE)
    refuse_repeat(ledger, next_year)
    more = submit_nominations(ledger, submit("MY", ["Kuala Lumpur", "Kuching"]), REFERENCE)
    refuse_repeat(ledger, more)


def test_no_change_twice_is_a_repeat() -> None:
    cities = [c.name for c in REFERENCE.cities_of("KH")][:3]
    ledger = empty("KH").apply_all(submit_nominations(empty("KH"), submit("KH", cities), REFERENCE))
    nil = declare_nil_return(ledger, nil_return("KH", year=2019), REFERENCE)
    refuse_repeat(ledger, nil)
    ledger = ledger.apply_all(nil)

    with pytest.raises(RepeatedReturn, match="KH already declared no change for 2019"):
        refuse_repeat(ledger, declare_nil_return(ledger, nil_return("KH", year=2019), REFERENCE))


def test_an_exception_allows_at_most_as_many_cities_as_one_submission_carries() -> None:
    too_many = grant("MY", "max_cities", MAX_CITIES_UNDER_EXCEPTION + 1)

    with pytest.raises(InvalidExceptionLimit, match="may allow at most 50 cities"):
        grant_exception(empty("MY"), too_many, REFERENCE)
    assert grant_exception(empty("MY"), grant("MY", "max_cities", 50), REFERENCE)


def test_a_return_records_the_reference_version_and_a_newer_version_alone_is_no_change() -> None:
    command = submit("MY", ["Kuala Lumpur"]).model_copy(update={"reference_version": 3})
    first = submit_nominations(empty("MY"), command, REFERENCE)
    assert [e.reference_version for e in first] == [3]  # type: ignore[attr-defined]
    ledger = empty("MY").apply_all(first)

    again = command.model_copy(update={"reference_version": 5})
    with pytest.raises(RepeatedReturn):
        refuse_repeat(ledger, submit_nominations(ledger, again, REFERENCE))
    nil = nil_return("MY", year=2019).model_copy(update={"reference_version": 5})
    assert [e.reference_version for e in declare_nil_return(ledger, nil, REFERENCE)] == [5]  # type: ignore[attr-defined]
