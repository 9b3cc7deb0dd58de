"""Submitting nominations: up to three cities, the capital among them, from the NR."""

from __future__ import annotations

import pytest

from domain.access import Action, Scope, authorize
from domain.actors import Actor
from domain.commands import NominatedCity
from domain.errors import (
    CapitalMissing,
    DuplicateCity,
    NoCitiesNominated,
    NotAuthorised,
    TooManyCities,
    UnknownCity,
    UnknownMemberState,
)
from domain.events import (
    CityNomination,
    ExceptionRule,
)
from domain.ledger import NominationLedger
from domain.nominations import (
    MAX_CITIES_PER_MEMBER_STATE,
    grant_exception,
    submit_nominations,
)
from domain.reference import City
from tests.unit.builders import (
    CHAIR_TEAM,
    REFERENCE,
    empty,
    grant,
    only_submission,
    person,
    submit,
)

MALAYSIA = ["Kuala Lumpur", "Johor Bahru", "Kota Kinabalu", "Kuching"]


def ledger_with_exception(
    code: str, max_cities: int | None, rule: ExceptionRule = "max_cities"
) -> NominationLedger:
    command = grant(code, rule, max_cities)
    return empty(code).apply_all(grant_exception(empty(code), command, REFERENCE))


def test_the_limit_is_three_cities() -> None:
    assert MAX_CITIES_PER_MEMBER_STATE == 3


def test_bruneis_single_capital_city_is_accepted() -> None:
    event = only_submission(
        submit_nominations(empty("BN"), submit("BN", ["Bandar Seri Begawan"]), REFERENCE)
    )
    assert event.year == 2018
    assert event.member_state == "BN"
    assert event.national_representative == person("NR of BN")
    assert event.cities == (
        CityNomination(
            city="Bandar Seri Begawan", capital=True, csco=person("CSCO Bandar Seri Begawan")
        ),
    )
    assert event.exceptions_applied == ()


def test_the_capital_flag_comes_from_reference_data_and_names_are_made_canonical() -> None:
    command = submit("TH", ["  phuket", "BANGKOK ", "Chonburi"])
    event = only_submission(submit_nominations(empty("TH"), command, REFERENCE))
    assert [(c.city, c.capital) for c in event.cities] == [
        ("Phuket", False),
        ("Bangkok", True),
        ("Chonburi", False),
    ]


def test_malaysias_four_pilot_cities_need_an_exception() -> None:
    with pytest.raises(TooManyCities) as raised:
        submit_nominations(empty("MY"), submit("MY", MALAYSIA), REFERENCE)
    assert str(raised.value) == (
        "MY nominated 4 cities for 2018; at most 3 are allowed without an exception "
        "granted by the Chair's team"
    )


def test_malaysias_four_pilot_cities_are_accepted_under_the_chairs_exception() -> None:
    ledger = ledger_with_exception("MY", 4)
    event = only_submission(submit_nominations(ledger, submit("MY", MALAYSIA), REFERENCE))
    assert [c.city for c in event.cities] == MALAYSIA
    assert event.exceptions_applied == ("exc-1",)


def test_three_cities_need_no_exception_even_when_one_was_granted() -> None:
    ledger = ledger_with_exception("MY", 4)
    event = only_submission(submit_nominations(ledger, submit("MY", MALAYSIA[:3]), REFERENCE))
    assert event.exceptions_applied == ()


def test_an_exception_granted_for_another_year_does_not_help() -> None:
    ledger = ledger_with_exception("MY", 4)
    with pytest.raises(TooManyCities, match="MY nominated 4 cities for 2019"):
        submit_nominations(ledger, submit("MY", MALAYSIA, year=2019), REFERENCE)


def test_an_exception_for_four_cities_does_not_allow_five() -> None:
    penang = City(name="Penang", member_state="MY", capital=False, joined_year=2018, pilot=False)
    reference = REFERENCE.with_city(penang)
    ledger = ledger_with_exception("MY", 4)
    with pytest.raises(TooManyCities) as raised:
        submit_nominations(ledger, submit("MY", [*MALAYSIA, "Penang"]), reference)
    assert str(raised.value) == (
        "MY nominated 5 cities for 2018; at most 4 are allowed under the exception "
        "granted by the Chair's team (exc-1)"
    )


def test_leaving_out_the_capital_is_refused_naming_the_capital() -> None:
    with pytest.raises(CapitalMissing) as raised:
        submit_nominations(empty("TH"), submit("TH", ["Chonburi", "Phuket"]), REFERENCE)
    assert str(raised.value) == (
        "TH's nominations for 2018 leave out its capital Bangkok; the capital must be among "
        "the cities unless the Chair's team grants a capital_required exception"
    )


def test_a_capital_exception_lets_the_capital_be_left_out_and_is_recorded() -> None:
    ledger = ledger_with_exception("TH", None, rule="capital_required")
    event = only_submission(submit_nominations(ledger, submit("TH", ["Phuket"]), REFERENCE))
    assert event.cities[0].city == "Phuket"
    assert event.exceptions_applied == ("exc-1",)


def test_a_max_cities_exception_does_not_excuse_a_missing_capital() -> None:
    ledger = ledger_with_exception("MY", 4)
    with pytest.raises(CapitalMissing, match="capital Kuala Lumpur"):
        submit_nominations(ledger, submit("MY", MALAYSIA[1:]), REFERENCE)


def test_an_unknown_city_is_refused_naming_it_and_the_member_state() -> None:
    with pytest.raises(UnknownCity, match="unknown city 'Penang' for member state MY"):
        submit_nominations(empty("MY"), submit("MY", ["Kuala Lumpur", "Penang"]), REFERENCE)


def test_a_city_cannot_be_nominated_twice_even_spelt_differently() -> None:
    with pytest.raises(DuplicateCity) as raised:
        submit_nominations(empty("VN"), submit("VN", ["Ha Noi", "Da Nang", " ha noi"]), REFERENCE)
    assert str(raised.value) == "VN nominated Ha Noi more than once for 2018"


def test_one_person_may_be_the_csco_of_two_cities() -> None:
    same = person("Nguyen Van A")
    command = submit("VN", ["Ha Noi", "Da Nang"]).model_copy(
        update={
            "cities": (
                NominatedCity(city="Ha Noi", csco=same),
                NominatedCity(city="Da Nang", csco=same),
            )
        }
    )
    event = only_submission(submit_nominations(empty("VN"), command, REFERENCE))
    assert [c.csco for c in event.cities] == [same, same]


def test_a_submission_without_cities_is_refused() -> None:
    with pytest.raises(NoCitiesNominated, match="SG nominated no city for 2018"):
        submit_nominations(empty("SG"), submit("SG", []), REFERENCE)


@pytest.mark.parametrize(
    "actor",
    [Actor(id="lee", role="nr:SG"), CHAIR_TEAM, Actor(id="root", role="admin")],
    ids=str,
)
def test_only_the_nr_of_the_member_state_may_submit(actor: Actor) -> None:
    # Who may is the access policy's to say (the cycle asks it before this rule runs).
    with pytest.raises(NotAuthorised) as raised:
        authorize(actor, Action.SUBMIT_NOMINATIONS, Scope(year=2018, member_state="MY"))
    assert str(raised.value) == (
        f"{actor.label} may not submit nominations for MY: only the NR of MY (nr:MY) may"
    )


def test_an_unknown_member_state_cannot_submit() -> None:
    with pytest.raises(UnknownMemberState, match="unknown member state 'XX'"):
        submit_nominations(empty("XX"), submit("XX", ["Somewhere"]), REFERENCE)
