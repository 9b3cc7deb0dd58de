"""Nil returns carry nominations forward; the Chair's team grants exceptions."""

from __future__ import annotations

import pytest

from domain.access import Action, Scope, authorize
from domain.actors import Actor
from domain.errors import (
    DuplicateException,
    ExceptionReasonMissing,
    InvalidExceptionLimit,
    NotAuthorised,
    NothingToCarryForward,
    UnknownMemberState,
)
from domain.events import ExceptionGranted, LateSubmissionRecorded, NilReturnDeclared
from domain.ledger import NominationLedger
from domain.nominations import declare_nil_return, grant_exception, submit_nominations
from tests.unit.builders import DEADLINE, LATE, REFERENCE, empty, grant, nil_return, submit


def ledger_with_2018_submission(code: str = "KH") -> NominationLedger:
    cities = [c.name for c in REFERENCE.cities_of(code)][:3]
    return empty(code).apply_all(submit_nominations(empty(code), submit(code, cities), REFERENCE))


def test_no_change_carries_forward_the_last_accepted_nominations() -> None:
    ledger = ledger_with_2018_submission()
    events = declare_nil_return(ledger, nil_return("KH", year=2019), REFERENCE)
    assert events == [NilReturnDeclared(year=2019, member_state="KH", carried_forward_from=2018)]
    after = ledger.apply_all(events)
    assert after.accepted_for(2019) == ledger.accepted_for(2018)


def test_a_second_nil_return_carries_forward_through_the_first() -> None:
    ledger = ledger_with_2018_submission()
    ledger = ledger.apply_all(declare_nil_return(ledger, nil_return("KH", year=2019), REFERENCE))
    events = declare_nil_return(ledger, nil_return("KH", year=2021), REFERENCE)
    assert events == [NilReturnDeclared(year=2021, member_state="KH", carried_forward_from=2019)]
    assert ledger.apply_all(events).accepted_for(2021) == ledger.accepted_for(2018)


def test_a_nil_return_with_nothing_earlier_is_refused() -> None:
    with pytest.raises(NothingToCarryForward) as raised:
        declare_nil_return(empty("KH"), nil_return("KH", year=2018), REFERENCE)
    assert str(raised.value) == (
        "KH declared no change for 2018, but has no accepted nominations before 2018 "
        "to carry forward"
    )


def test_a_nil_return_cannot_carry_forward_a_later_year() -> None:
    ledger = ledger_with_2018_submission()
    with pytest.raises(NothingToCarryForward, match="before 2018"):
        declare_nil_return(ledger, nil_return("KH", year=2018), REFERENCE)


def test_only_the_nr_may_declare_a_nil_return() -> None:
    # Who may is the access policy's to say (the cycle asks it before the rule runs).
    bob = Actor(id="bob", role="shepherd:ID")
    with pytest.raises(NotAuthorised) as raised:
        authorize(bob, Action.DECLARE_NIL_RETURN, Scope(year=2018, member_state="KH"))
    assert str(raised.value) == (
        "shepherd:ID/bob may not declare a nil return for KH: only the NR of KH (nr:KH) may"
    )


def test_a_late_nil_return_is_accepted_and_recorded() -> None:
    ledger = ledger_with_2018_submission()
    late = LATE.replace(year=2019)
    command = nil_return("KH", year=2019, at=LATE)
    events = declare_nil_return(ledger, command, REFERENCE)
    assert events[1:] == [
        LateSubmissionRecorded(
            year=2019, member_state="KH", deadline=DEADLINE.replace(year=2019), submitted_at=late
        )
    ]


def test_the_chairs_team_grants_an_exception_with_its_reason() -> None:
    command = grant("MY", "max_cities", 4, exception_id="my-2018-four", reason="  four pilots ")
    assert grant_exception(empty("MY"), command, REFERENCE) == [
        ExceptionGranted(
            year=2018,
            member_state="MY",
            exception_id="my-2018-four",
            rule="max_cities",
            max_cities=4,
            reason="four pilots",
        )
    ]


@pytest.mark.parametrize(
    "actor",
    [
        Actor(id="ina", role="shepherd:ID"),
        Actor(id="aziz", role="nr:MY"),
        Actor(id="r", role="admin"),
        Actor(id="old", role="chair_team"),
    ],
    ids=str,
)
def test_only_the_chairs_team_may_grant_an_exception(actor: Actor) -> None:
    with pytest.raises(NotAuthorised) as raised:
        authorize(actor, Action.GRANT_EXCEPTION, Scope(year=2018, member_state="MY"))
    assert str(raised.value) == (
        f"{actor.label} may not grant an exception in the 2018 cycle: only the Chair's team of "
        "that year's Chair (chair_team:<AMS>) may"
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_exception_needs_a_reason(reason: str) -> None:
    with pytest.raises(ExceptionReasonMissing) as raised:
        grant_exception(empty("MY"), grant("MY", "max_cities", 4, reason=reason), REFERENCE)
    assert str(raised.value) == "exception 'exc-1' (max_cities) for MY in 2018 needs a reason"


@pytest.mark.parametrize("max_cities", [None, 3, 0, -1])
def test_a_max_cities_exception_must_allow_more_than_three(max_cities: int | None) -> None:
    with pytest.raises(InvalidExceptionLimit) as raised:
        grant_exception(empty("MY"), grant("MY", "max_cities", max_cities), REFERENCE)
    assert str(raised.value) == (
        f"a max_cities exception for MY in 2018 must allow more than 3 cities; "
        f"got max_cities={max_cities}"
    )


def test_a_capital_exception_takes_no_city_limit() -> None:
    with pytest.raises(InvalidExceptionLimit, match="takes no max_cities; got max_cities=4"):
        grant_exception(empty("TH"), grant("TH", "capital_required", 4), REFERENCE)


def test_an_exception_id_is_used_once_in_a_ledger_across_years() -> None:
    ledger = empty("MY").apply_all(
        grant_exception(empty("MY"), grant("MY", "max_cities", 4), REFERENCE)
    )
    with pytest.raises(DuplicateException) as raised:
        grant_exception(ledger, grant("MY", "capital_required", None, year=2020), REFERENCE)
    assert str(raised.value) == "exception id 'exc-1' is already used in MY's nomination ledger"


def test_an_exception_for_an_unknown_member_state_is_refused() -> None:
    with pytest.raises(UnknownMemberState, match="'XX'"):
        grant_exception(empty("XX"), grant("XX", "max_cities", 4), REFERENCE)
