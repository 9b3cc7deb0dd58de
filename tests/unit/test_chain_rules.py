"""Properties of the chain's rules and of candidature cities, over generated input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.chain import (
    CHAIN_BODIES,
    DecisionRefused,
    body_of_step,
    check_decision,
    check_submission,
    describe_waiting,
)
from domain.membership import Membership, MembershipRefused, decide_city, propose_city
from domain.reference import ReferenceData
from domain.values import canonical_key

REFERENCE = ReferenceData.load()
years = st.integers(min_value=2018, max_value=2200)
decisions = st.sampled_from(["noted", "endorsed", "adopted", "deferred", "returned_for_revision"])
names = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll"), max_codepoint=0x24F),
    min_size=1, max_size=40,
)  # fmt: skip


def decide(year: int, on: date, today: date, body: str = "JCM", decision: str = "noted") -> None:
    check_decision(
        year=year, body=body, decision=decision,  # type: ignore[arg-type]
        decided_on=on, today=today, meeting="a meeting", concerning="a report, v1",
        bodies=(*CHAIN_BODIES, *REFERENCE.sectoral_bodies_for(year)),
    )  # fmt: skip


@given(years, st.integers(min_value=0, max_value=729), decisions)
def test_a_decision_dated_within_its_cycle_and_not_ahead_of_today_is_accepted(
    year: int, offset: int, decision: str
) -> None:
    on = min(date(year, 1, 1) + timedelta(days=offset), date(year + 1, 12, 31))
    decide(year, on, today=on, decision=decision)


@given(years, st.integers(min_value=1, max_value=5000), st.booleans())
def test_a_decision_dated_outside_its_cycle_is_refused_naming_decided_on(
    year: int, days: int, before: bool
) -> None:
    on = (
        date(year, 1, 1) - timedelta(days=days)
        if before
        else date(year + 1, 12, 31) + timedelta(days=days)
    )
    with pytest.raises(DecisionRefused, match=r"^decided_on: "):
        decide(year, on, today=date(9999, 1, 1))


@given(years, st.integers(min_value=1, max_value=300))
def test_a_decision_dated_after_today_is_refused(year: int, ahead: int) -> None:
    today = date(year, 3, 1)
    with pytest.raises(DecisionRefused, match="is after today"):
        decide(year, today + timedelta(days=ahead), today=today)


@given(years, names)
def test_only_the_bodies_of_the_chain_and_the_years_sectorals_decide(year: int, body: str) -> None:
    known = (*CHAIN_BODIES, *REFERENCE.sectoral_bodies_for(year))
    if body in known:
        decide(year, date(year, 6, 1), today=date(year, 6, 1), body=body)
    else:
        with pytest.raises(DecisionRefused, match=r"^body: "):
            decide(year, date(year, 6, 1), today=date(year, 6, 1), body=body)


def test_the_sectoral_bodies_are_data_per_year() -> None:
    assert "ASEAN Working Group on Environmentally Sustainable Cities" in (
        REFERENCE.sectoral_bodies_for(2019)
    )
    assert REFERENCE.sectoral_bodies_for(2017) == ()


@pytest.mark.parametrize(
    ("noted_by", "body"),
    [("JCM", "JCM"), ("ACC", "ACC"), ("33rd ASEAN Summit", "Summit"), ("ASEAN Summit", "Summit"),
     ("51st AMM", "AMM"), ("AMS", None), (None, None)],
)  # fmt: skip
def test_the_body_a_step_is_put_to_comes_from_the_calendar(
    noted_by: str | None, body: str | None
) -> None:
    assert body_of_step(noted_by) == body


def test_each_submitter_submits_once_and_the_status_says_who_is_awaited() -> None:
    assert describe_waiting([]) == "waiting for the Chair of the ASCN and the shepherd"
    assert describe_waiting(["chair_of_ascn"]) == "waiting for the shepherd"
    assert describe_waiting(["shepherd", "chair_of_ascn"]) is None
    check_submission("shepherd", ["chair_of_ascn"], "jcm_submission")
    with pytest.raises(DecisionRefused, match="the shepherd has already submitted"):
        check_submission("shepherd", ["shepherd"], "jcm_submission")


@given(names, years, st.sampled_from([m.code for m in REFERENCE.member_states]))
def test_a_proposed_city_once_accepted_is_a_member_city_from_that_year(
    name: str, year: int, code: str
) -> None:
    known = {canonical_key(c.name) for c in REFERENCE.cities_of(code)}
    if canonical_key(name) in known or not name.strip():
        with pytest.raises(MembershipRefused, match=r"^city: "):
            propose_city(Membership(), REFERENCE, year=year, member_state=code, city=name,
                         capital=False)  # fmt: skip
        return
    membership = Membership().apply(
        propose_city(
            Membership(), REFERENCE, year=year, member_state=code, city=name, capital=False
        )
    )
    assert name.strip() not in [c.name for c in membership.reference(REFERENCE).cities_of(code)]
    # The Chair's team may spell it in other case (where case folding keeps it the same).
    spelled = name.upper() if canonical_key(name.upper()) == canonical_key(name) else name
    membership = membership.apply(decide_city(
        membership, year=year, member_state=code, city=spelled, decision="accepted", reason="",
    ))  # fmt: skip
    assert membership.version == 2
    current = membership.reference(REFERENCE)
    city = current.city(code, name)
    assert (city.joined_year, city.capital, city.pilot) == (year, False, False)
    assert city not in current.cities_of(code, year - 1)
    with pytest.raises(MembershipRefused, match="is already a city"):
        propose_city(membership, REFERENCE, year=year, member_state=code, city=name,
                     capital=False)  # fmt: skip


@given(names)
def test_a_declined_city_never_joins_and_can_be_proposed_again(name: str) -> None:
    if not name.strip() or canonical_key(name) == canonical_key("Dili"):
        return
    first = propose_city(Membership(), REFERENCE, year=2027, member_state="TL", city=name,
                         capital=False)  # fmt: skip
    membership = Membership().apply(first)
    with pytest.raises(MembershipRefused, match="already proposed"):
        propose_city(membership, REFERENCE, year=2027, member_state="TL", city=name,
                     capital=False)  # fmt: skip
    declined = decide_city(membership, year=2027, member_state="TL", city=name,
                           decision="declined", reason="not yet")  # fmt: skip
    membership = membership.apply(declined)
    assert [c.name for c in membership.reference(REFERENCE).cities_of("TL")] == ["Dili"]
    propose_city(membership, REFERENCE, year=2028, member_state="TL", city=name, capital=False)
