"""Properties of the nomination rules, over generated cities, counts and times."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, TooManyCities
from domain.events import ExceptionGranted, LateSubmissionRecorded, NominationsSubmitted
from domain.ledger import NominationLedger
from domain.nominations import (
    MAX_CITIES_PER_MEMBER_STATE,
    declare_nil_return,
    grant_exception,
    submit_nominations,
)
from domain.reference import City, ReferenceData
from tests.unit.builders import REFERENCE, empty, grant, nil_return, submit

# Member states throughout the times drawn below (Timor-Leste, admitted in 2025, is not).
STATES_WITH_CITIES = sorted(
    {
        c.member_state
        for c in REFERENCE.cities
        if REFERENCE.is_member(c.member_state, date(2000, 1, 1))
    }
)

# hypothesis takes naive bounds; the datetimes it draws carry the UTC timezone
aware_times = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@st.composite
def nominations_with_capital(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A member state and up to three of its cities, capital included, in any order."""
    code = draw(st.sampled_from(STATES_WITH_CITIES))
    capital = REFERENCE.capital_of(code)
    others = [c.name for c in REFERENCE.cities_of(code) if not c.capital]
    extra = draw(
        st.lists(st.sampled_from(others), unique=True, max_size=2) if others else st.just([])
    )
    return code, draw(st.permutations([capital, *extra]))


def with_extra_cities(code: str, count: int) -> ReferenceData:
    reference = REFERENCE
    for n in range(count):
        city = City(
            name=f"Candidate {n}", member_state=code, capital=False, joined_year=2018, pilot=False
        )
        reference = reference.with_city(city)
    return reference


def names_for(reference: ReferenceData, code: str, size: int) -> list[str]:
    capital = reference.capital_of(code)
    others = [c.name for c in reference.cities_of(code) if not c.capital]
    return [capital, *others[: size - 1]]


@given(nominations_with_capital())
def test_up_to_three_cities_with_the_capital_are_accepted_exactly_as_given(
    drawn: tuple[str, list[str]],
) -> None:
    code, cities = drawn
    events = submit_nominations(empty(code), submit(code, cities), REFERENCE)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, NominationsSubmitted)
    assert [c.city for c in event.cities] == cities
    assert [c.capital for c in event.cities] == [c == REFERENCE.capital_of(code) for c in cities]
    assert event.exceptions_applied == ()


@given(code=st.sampled_from(STATES_WITH_CITIES), size=st.integers(min_value=4, max_value=9))
def test_more_than_three_cities_without_an_exception_are_refused(code: str, size: int) -> None:
    reference = with_extra_cities(code, size)
    with pytest.raises(TooManyCities) as raised:
        submit_nominations(empty(code), submit(code, names_for(reference, code, size)), reference)
    assert f"{code} nominated {size} cities for 2018" in str(raised.value)
    assert f"at most {MAX_CITIES_PER_MEMBER_STATE} are allowed" in str(raised.value)


@given(
    code=st.sampled_from(STATES_WITH_CITIES),
    allowed=st.integers(min_value=4, max_value=8),
    size=st.integers(min_value=1, max_value=10),
)
def test_an_exception_allowing_n_cities_accepts_up_to_n_and_no_more(
    code: str, allowed: int, size: int
) -> None:
    reference = with_extra_cities(code, 10)
    granted = grant_exception(empty(code), grant(code, "max_cities", allowed), reference)
    ledger = empty(code).apply_all(granted)
    command = submit(code, names_for(reference, code, size))
    if size > allowed:
        with pytest.raises(TooManyCities, match=f"at most {allowed} are allowed"):
            submit_nominations(ledger, command, reference)
        return
    event = submit_nominations(ledger, command, reference)[0]
    assert isinstance(event, NominationsSubmitted)
    assert len(event.cities) == size
    assert event.exceptions_applied == (("exc-1",) if size > MAX_CITIES_PER_MEMBER_STATE else ())


@given(
    deadline=aware_times,
    delay=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=400)),
)
def test_a_submission_after_the_deadline_adds_exactly_one_late_record(
    deadline: datetime, delay: timedelta
) -> None:
    at = deadline + delay
    events = submit_nominations(
        empty("SG"), submit("SG", ["Singapore"], at=at, deadline=deadline), REFERENCE
    )
    late = [e for e in events if isinstance(e, LateSubmissionRecorded)]
    assert late == [
        LateSubmissionRecorded(year=2018, member_state="SG", deadline=deadline, submitted_at=at)
    ]
    assert len(events) == 2


@given(
    deadline=aware_times, early=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400))
)
def test_a_submission_on_or_before_the_deadline_adds_no_late_record(
    deadline: datetime, early: timedelta
) -> None:
    at = deadline - early
    events = submit_nominations(
        empty("SG"), submit("SG", ["Singapore"], at=at, deadline=deadline), REFERENCE
    )
    assert not any(isinstance(e, LateSubmissionRecorded) for e in events)


@given(
    drawn=nominations_with_capital(),
    extra=st.integers(min_value=0, max_value=2),
    year=st.integers(min_value=2018, max_value=2030),
)
def test_rules_never_change_the_ledger_or_the_command(
    drawn: tuple[str, list[str]], extra: int, year: int
) -> None:
    code, cities = drawn
    seeded = empty(code).apply(
        ExceptionGranted(
            year=2018,
            member_state=code,
            exception_id="seed",
            rule="max_cities",
            max_cities=4,
            reason="r",
        )
    )
    command = submit(code, [*cities, *cities[:extra]])  # some carry duplicates and are refused
    snapshot = (seeded.model_dump(), command.model_dump())
    runs: list[Callable[[], object]] = [
        lambda: submit_nominations(seeded, command, REFERENCE),
        lambda: declare_nil_return(seeded, nil_return(code, year=year), REFERENCE),
        lambda: grant_exception(
            seeded, grant(code, "max_cities", 5, exception_id="seed" if extra else "new"), REFERENCE
        ),
    ]
    for rule_run in runs:
        with contextlib.suppress(DomainError):
            rule_run()
    assert (seeded.model_dump(), command.model_dump()) == snapshot


@given(st.lists(nominations_with_capital(), min_size=1, max_size=5), st.data())
def test_the_last_submission_of_a_year_is_the_one_in_force(
    submissions: list[tuple[str, list[str]]], data: st.DataObject
) -> None:
    code = data.draw(st.sampled_from([c for c, _ in submissions]))
    mine = [cities for c, cities in submissions if c == code]
    ledger = NominationLedger.empty(code)
    for cities in mine:
        ledger = ledger.apply_all(submit_nominations(ledger, submit(code, cities), REFERENCE))
    accepted = ledger.accepted_for(2018)
    assert accepted is not None
    assert [c.city for c in accepted.cities] == mine[-1]
