"""The access policy of plans, assessments, partners and twinning, and the CSCO role."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.access import Action, Scope, permits, reads_every_member_state, refusal
from domain.actors import Actor
from domain.plans import city_id
from domain.reference import ReferenceData
from domain.users import check_role

CSCO = Actor(id="sok", role="csco:KH-siem-reap")
NR_KH = Actor.nr("KH", "dara")
NR_MY = Actor.nr("MY", "aziz")
CHAIR_SG = Actor.chair_team("SG", "alice")
ASEC = Actor(id="imd", role="asec")
SHEPHERD = Actor.shepherd("SG", "lee")
ADMIN = Actor(id="root", role="admin")
SYSTEM = Actor(id="ascn-engine", role="system")
SIEM_REAP = Scope(city="KH-siem-reap")
Y2018 = Scope(year=2018, chair="SG")


@pytest.mark.parametrize(
    ("actor", "action", "scope", "allowed"),
    [
        (CSCO, Action.SUBMIT_PLAN, SIEM_REAP, True),
        (CSCO, Action.SUBMIT_PLAN, Scope(city="KH-phnom-penh"), False),
        (NR_KH, Action.SUBMIT_PLAN, SIEM_REAP, True),
        (NR_MY, Action.SUBMIT_PLAN, SIEM_REAP, False),
        (CHAIR_SG, Action.SUBMIT_PLAN, SIEM_REAP, False),
        (ASEC, Action.SUBMIT_PLAN, SIEM_REAP, False),
        (ASEC, Action.ASSESS_PROJECT, Scope(year=2019), True),
        (CSCO, Action.ASSESS_PROJECT, Scope(year=2019), False),
        (CHAIR_SG, Action.ASSESS_PROJECT, Scope(year=2019), False),
        (CHAIR_SG, Action.RECORD_PARTNERSHIPS, Y2018, True),
        (CHAIR_SG, Action.RECORD_PARTNERSHIPS, Scope(year=2019, chair="TH"), False),
        (ASEC, Action.RECORD_PARTNERSHIPS, Y2018, False),
        (SHEPHERD, Action.RECORD_PARTNERSHIPS, Y2018, False),
        (CSCO, Action.READ_RECORDS, Scope(), True),
        (ADMIN, Action.READ_RECORDS, Scope(), True),
        (SYSTEM, Action.READ_RECORDS, Scope(), False),
        # A CSCO reads plans and partners, nothing of the cycle.
        (CSCO, Action.READ_CYCLE, Scope(), False),
        (CSCO, Action.READ_NOMINATIONS, Scope(), False),
        (CSCO, Action.SUBMIT_NOMINATIONS, Scope(member_state="KH"), False),
    ],
)  # fmt: skip
def test_the_policy(actor: Actor, action: Action, scope: Scope, allowed: bool) -> None:
    assert permits(actor, action, scope) is allowed


def test_a_refusal_names_who_may() -> None:
    assert refusal(NR_MY, Action.SUBMIT_PLAN, SIEM_REAP) == (
        "nr:MY/aziz may not submit an action plan of KH-siem-reap: only the CSCO of "
        "KH-siem-reap (csco:KH-siem-reap) or the NR of its member state may"
    )
    assert not reads_every_member_state(CSCO)


CITIES = [city_id(c) for c in ReferenceData.load().cities]


@given(own=st.sampled_from(CITIES), target=st.sampled_from(CITIES))
def test_a_csco_submits_the_plan_of_its_own_city_only(own: str, target: str) -> None:
    actor = Actor(id="someone", role=f"csco:{own}")
    assert permits(actor, Action.SUBMIT_PLAN, Scope(city=target)) is (own == target)


def test_a_csco_role_names_a_known_city() -> None:
    assert check_role("csco:PH-cebu-city") == "csco:PH-cebu-city"
    with pytest.raises(ValueError, match="unknown city id 'PH-atlantis'"):
        check_role("csco:PH-atlantis")
    with pytest.raises(ValidationError, match="csco:<city-id>"):
        Actor(id="x", role="csco:siem reap")
