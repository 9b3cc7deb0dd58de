"""Reference data: member states and cities are data, validated on load."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pytest

from domain.errors import InvalidReferenceData, UnknownCity, UnknownMemberState
from domain.reference import City, MemberState, ReferenceData
from tests.unit.builders import REFERENCE, raw_reference

FOUNDING_TEN = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]


def test_the_pilot_list_of_the_concept_note_has_26_cities() -> None:
    pilots = [c for c in REFERENCE.cities if c.pilot]
    assert len(pilots) == 26
    assert all(c.joined_year == 2018 for c in pilots)
    assert [c.name for c in REFERENCE.cities if not c.pilot] == ["Dili"]


def test_each_of_the_ten_has_exactly_its_capital_flagged_among_its_cities() -> None:
    for code in FOUNDING_TEN:
        capitals = [c.name for c in REFERENCE.cities_of(code) if c.capital]
        assert capitals == [REFERENCE.capital_of(code)], code


def test_malaysia_has_four_pilot_cities_which_breaks_the_rule_of_three() -> None:
    names = [c.name for c in REFERENCE.cities_of("MY")]
    assert names == ["Johor Bahru", "Kota Kinabalu", "Kuala Lumpur", "Kuching"]


def test_capitals_are_read_from_the_data() -> None:
    assert REFERENCE.capital_of("ID") == "DKI Jakarta"
    assert REFERENCE.capital_of("VN") == "Ha Noi"
    assert REFERENCE.capital_of("MM") == "Nay Pyi Taw"


def test_timor_leste_is_admitted_through_data_its_capital_a_member_city_from_2026() -> None:
    tl = REFERENCE.member_state("TL")
    assert (tl.name, tl.joined, tl.capital) == ("Timor-Leste", date(2025, 10, 26), "Dili")
    assert not REFERENCE.is_member("TL", date(2025, 10, 25))
    assert REFERENCE.is_member("TL", date(2025, 10, 26))
    # Admitted in October 2025: its first cycle is 2026's, so Dili is a city from then.
    assert REFERENCE.cities_of("TL", 2025) == []
    assert [(c.name, c.capital) for c in REFERENCE.cities_of("TL", 2026)] == [("Dili", True)]
    assert len(REFERENCE.members_on(date(2025, 1, 1))) == 10
    assert [s.code for s in REFERENCE.members_on(date(2026, 1, 1))][-2:] == ["TL", "VN"]


def test_members_on_a_date_follow_their_accession_dates_in_alphabetical_order() -> None:
    assert [s.code for s in REFERENCE.members_on(date(1990, 1, 1))] == [
        "BN",
        "ID",
        "MY",
        "PH",
        "SG",
        "TH",
    ]
    assert not REFERENCE.is_member("KH", date(1999, 4, 29))
    assert REFERENCE.is_member("KH", date(1999, 4, 30))


def test_an_unknown_code_is_not_a_member() -> None:
    assert not REFERENCE.is_member("XX", date(2020, 1, 1))


def test_an_unknown_member_state_error_names_the_code_and_the_known_ones() -> None:
    with pytest.raises(UnknownMemberState) as raised:
        REFERENCE.member_state("XX")
    assert str(raised.value) == (
        "unknown member state 'XX': no ASEAN member state has that code; "
        "known: BN, ID, KH, LA, MM, MY, PH, SG, TH, TL, VN"
    )
    with pytest.raises(UnknownMemberState, match="'XX'"):
        REFERENCE.cities_of("XX")


def test_a_city_is_found_ignoring_case_and_surrounding_whitespace() -> None:
    city = REFERENCE.city("MY", "  kuala LUMPUR ")
    assert city == City(
        name="Kuala Lumpur", member_state="MY", capital=True, joined_year=2018, pilot=True
    )


def test_an_unknown_city_error_names_the_city_and_the_member_state() -> None:
    with pytest.raises(UnknownCity) as raised:
        REFERENCE.city("MY", " Penang ")
    assert str(raised.value) == (
        "unknown city 'Penang' for member state MY; "
        "known: Johor Bahru, Kota Kinabalu, Kuala Lumpur, Kuching"
    )


def test_a_city_of_another_member_state_is_unknown_for_this_one() -> None:
    with pytest.raises(UnknownCity, match="'Bangkok' for member state SG"):
        REFERENCE.city("SG", "Bangkok")


def test_a_candidature_city_joins_by_data_and_counts_from_its_joining_year() -> None:
    hai_phong = City(
        name="Hai Phong", member_state="VN", capital=False, joined_year=2020, pilot=False
    )
    extended = REFERENCE.with_city(hai_phong)
    assert extended.city("VN", "hai phong") == hai_phong
    assert hai_phong not in extended.cities_of("VN", 2019)
    assert hai_phong in extended.cities_of("VN", 2020)
    assert hai_phong not in REFERENCE.cities  # the original is untouched


def test_a_new_member_state_is_a_data_change_only() -> None:
    new = MemberState(code="ZZ", name="Zedland", joined=date(2030, 6, 1), capital="Zed City")
    extended = REFERENCE.with_member_state(new)
    assert extended.member_state("ZZ") == new
    assert not extended.is_member("ZZ", date(2030, 5, 31))
    assert extended.is_member("ZZ", date(2030, 6, 1))


def test_loading_twice_gives_the_same_cached_data() -> None:
    assert ReferenceData.load() is ReferenceData.load()


def test_the_packaged_file_round_trips_through_from_dict() -> None:
    assert ReferenceData.from_dict(raw_reference()) == REFERENCE


def _duplicate_code(raw: dict[str, Any]) -> None:
    raw["member_states"].append(copy.deepcopy(raw["member_states"][0]))


def _city_of_unknown_state(raw: dict[str, Any]) -> None:
    raw["cities"][0]["member_state"] = "XX"


def _two_capitals(raw: dict[str, Any]) -> None:
    for city in raw["cities"]:
        if city["name"] == "Johor Bahru":
            city["capital"] = True


def _wrong_capital(raw: dict[str, Any]) -> None:
    for city in raw["cities"]:
        city["capital"] = city["name"] == "Cebu City" or (
            city["capital"] and city["member_state"] != "PH"
        )


def _override_of_unknown_state(raw: dict[str, Any]) -> None:
    raw["chair"]["overrides"][0]["member_state"] = "QQ"


def _shepherd_of_unknown_state(raw: dict[str, Any]) -> None:
    raw["shepherds"]["terms"][1]["member_state"] = "QQ"


def _overlapping_shepherds(raw: dict[str, Any]) -> None:
    raw["shepherds"]["terms"][0]["to_year"] = 2024


def _duplicate_city(raw: dict[str, Any]) -> None:
    twin = copy.deepcopy(raw["cities"][0])
    twin["name"] = twin["name"].upper()
    raw["cities"].append(twin)


@pytest.mark.parametrize(
    ("corrupt", "expected"),
    [
        (_duplicate_code, "duplicate member state codes: BN"),
        (_city_of_unknown_state, "city 'Bandar Seri Begawan' names unknown member state XX"),
        (_two_capitals, "MY has 2 capital cities: 'Johor Bahru', 'Kuala Lumpur'"),
        (_wrong_capital, "city 'Cebu City' is flagged capital but PH's capital is 'Manila'"),
        (_override_of_unknown_state, "chair override 2026 names unknown member state QQ"),
        (_shepherd_of_unknown_state, "shepherd term 2024 names unknown member state QQ"),
        (_overlapping_shepherds, "shepherd terms of SG (from 2018) and ID (from 2024) overlap"),
        (_duplicate_city, "city 'BANDAR SERI BEGAWAN' is listed twice for BN"),
    ],
)
def test_contradictory_reference_data_is_refused_naming_the_contradiction(
    corrupt: Any, expected: str
) -> None:
    raw = raw_reference()
    corrupt(raw)
    with pytest.raises(InvalidReferenceData, match=re.escape(expected)):
        ReferenceData.from_dict(raw)


def test_adding_a_city_twice_is_refused() -> None:
    kuching = REFERENCE.city("MY", "Kuching")
    with pytest.raises(InvalidReferenceData, match="'Kuching' is listed twice for MY"):
        REFERENCE.with_city(kuching)
