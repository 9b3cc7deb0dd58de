"""The ASEAN Chair rotates alphabetically, with overrides; the shepherd serves terms."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import UnknownChair, UnknownShepherd
from domain.reference import MemberState, ReferenceData
from tests.unit.builders import REFERENCE, raw_reference

CHAIRS = {
    2018: "SG",
    2019: "TH",
    2020: "VN",
    2021: "BN",
    2022: "KH",
    2023: "ID",
    2024: "LA",
    2025: "MY",
    2026: "PH",
    2027: "SG",
    2028: "TH",
    2029: "TL",
    2030: "VN",
}


@pytest.mark.parametrize(("year", "code"), sorted(CHAIRS.items()))
def test_the_chair_of_each_year_from_2018_to_2030(year: int, code: str) -> None:
    assert REFERENCE.chair_for(year).code == code


def test_myanmar_would_have_chaired_2026_without_the_override() -> None:
    raw = raw_reference()
    raw["chair"]["overrides"] = []
    plain = ReferenceData.from_dict(raw)
    assert plain.chair_for(2026).code == "MM"
    assert plain.chair_for(2027).code == "PH"
    assert REFERENCE.chair.overrides[0].note == (
        "Myanmar did not take the chair; the Philippines did"
    )


def test_timor_leste_enters_the_rotation_as_a_member_on_1_january() -> None:
    assert REFERENCE.chair_for(2029).code == "TL"
    assert REFERENCE.chair_for(2029).name == "Timor-Leste"


def test_a_state_joining_mid_year_enters_the_rotation_the_next_year() -> None:
    aardvark = MemberState(code="ZA", name="Aardvark", joined=date(2030, 6, 1), capital="Ardo")
    extended = REFERENCE.with_member_state(aardvark)
    assert extended.chair_for(2030).code == "VN"
    assert extended.chair_for(2031).code == "ZA"  # wraps round to the first name
    assert extended.chair_for(2032).code == "BN"


def test_there_is_no_chair_before_the_anchor_year() -> None:
    with pytest.raises(UnknownChair) as raised:
        REFERENCE.chair_for(2017)
    assert str(raised.value) == (
        "no ASEAN Chair is known for 2017: the rotation starts in 2018 with SG"
    )


def test_a_far_year_is_computed_without_recursion() -> None:
    # 2027 is SG; from then eleven states rotate undisturbed: 2500 - 2027 = 473 = 43 * 11
    assert REFERENCE.chair_for(2500).code == "SG"


@given(st.integers(min_value=2018, max_value=2700))
def test_the_chair_of_any_year_is_a_member_on_1_january_of_that_year(year: int) -> None:
    assert REFERENCE.is_member(REFERENCE.chair_for(year).code, date(year, 1, 1))


@given(st.integers(min_value=2027, max_value=2600))
def test_after_the_override_every_member_chairs_once_in_any_eleven_years(start: int) -> None:
    chairs = [REFERENCE.chair_for(year).code for year in range(start, start + 11)]
    assert sorted(chairs) == sorted(s.code for s in REFERENCE.member_states)


@pytest.mark.parametrize(("year", "code"), [(2018, "SG"), (2023, "SG"), (2024, "ID"), (2040, "ID")])
def test_singapore_shepherded_two_terms_then_indonesia_took_over(year: int, code: str) -> None:
    assert REFERENCE.shepherd_for(year).code == code


def test_there_is_no_shepherd_before_the_network_was_launched() -> None:
    with pytest.raises(UnknownShepherd, match="no ASCN shepherd term covers 2017"):
        REFERENCE.shepherd_for(2017)


def test_a_gap_between_shepherd_terms_has_no_shepherd() -> None:
    raw = raw_reference()
    raw["shepherds"]["terms"][1]["from_year"] = 2025
    gapped = ReferenceData.from_dict(raw)
    with pytest.raises(UnknownShepherd, match="2024"):
        gapped.shepherd_for(2024)
    assert gapped.shepherd_for(2025).code == "ID"
