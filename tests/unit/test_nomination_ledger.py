"""The nomination ledger folds one member state's stream across years."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import WrongLedger
from domain.events import (
    CityNomination,
    ExceptionGranted,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
    StepApproved,
)
from domain.ledger import NominationLedger
from tests.unit.builders import person


def submitted(year: int, *cities: str) -> NominationsSubmitted:
    return NominationsSubmitted(
        year=year,
        member_state="ID",
        national_representative=person("NR of ID"),
        cities=tuple(
            CityNomination(city=c, capital=c == "DKI Jakarta", csco=person(c)) for c in cities
        ),
    )


def exception(year: int, exception_id: str) -> ExceptionGranted:
    return ExceptionGranted(
        year=year,
        member_state="ID",
        exception_id=exception_id,
        rule="max_cities",
        max_cities=4,
        reason="agreed",
    )


def test_an_empty_stream_has_nothing_accepted() -> None:
    ledger = NominationLedger.from_events("ID", [])
    assert ledger.accepted_for(2018) is None
    assert ledger.latest_year_before(2030) is None
    assert ledger.exceptions_for(2018) == ()


def test_the_latest_submission_of_a_year_is_the_accepted_one() -> None:
    first, second = submitted(2018, "DKI Jakarta"), submitted(2018, "DKI Jakarta", "Makassar")
    ledger = NominationLedger.from_events("ID", [first, second])
    assert ledger.accepted_for(2018) == second
    assert ledger.decision_for(2018) == second


def test_a_nil_return_is_answered_by_the_carried_forward_submission() -> None:
    original = submitted(2018, "DKI Jakarta", "Banyuwangi")
    nil = NilReturnDeclared(year=2019, member_state="ID", carried_forward_from=2018)
    ledger = NominationLedger.from_events("ID", [original, nil])
    assert ledger.accepted_for(2019) == original
    assert ledger.decision_for(2019) == nil
    assert ledger.accepted_for(2020) is None


def test_the_latest_year_before_skips_years_without_nominations() -> None:
    ledger = NominationLedger.from_events(
        "ID", [submitted(2018, "DKI Jakarta"), submitted(2021, "DKI Jakarta")]
    )
    assert ledger.latest_year_before(2018) is None
    assert ledger.latest_year_before(2021) == 2018
    assert ledger.latest_year_before(2025) == 2021


def test_exceptions_and_late_submissions_are_kept_per_year() -> None:
    late = LateSubmissionRecorded(
        year=2019,
        member_state="ID",
        deadline=datetime(2019, 2, 28, tzinfo=UTC),
        submitted_at=datetime(2019, 3, 1, tzinfo=UTC),
    )
    ledger = NominationLedger.from_events(
        "ID", [exception(2018, "a"), exception(2019, "b"), exception(2019, "c"), late]
    )
    assert [e.exception_id for e in ledger.exceptions_for(2019)] == ["b", "c"]
    assert ledger.has_exception_id("a")
    assert not ledger.has_exception_id("d")
    assert ledger.late_for(2019) == (late,)
    assert ledger.late_for(2018) == ()


def test_events_of_other_streams_types_are_ignored() -> None:
    ledger = NominationLedger.from_events("ID", [StepApproved(year=2018, step="ACC")])
    assert ledger == NominationLedger.empty("ID")


def test_another_member_states_event_is_refused() -> None:
    foreign = NilReturnDeclared(year=2019, member_state="MY", carried_forward_from=2018)
    with pytest.raises(WrongLedger) as raised:
        NominationLedger.from_events("ID", [foreign])
    assert str(raised.value) == (
        "NilReturnDeclared for MY (2019) cannot be applied to the nomination ledger of ID"
    )


def test_applying_an_event_returns_a_new_ledger_and_keeps_the_old_one() -> None:
    before = NominationLedger.empty("ID")
    after = before.apply(submitted(2018, "DKI Jakarta"))
    assert before.accepted_for(2018) is None
    assert after.accepted_for(2018) is not None
