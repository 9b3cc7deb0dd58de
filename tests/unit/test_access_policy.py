"""The one access policy: every role against every action, in and out of its scope."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access import Action, Scope, authorize, permits, refusal
from domain.actors import Actor
from domain.errors import NotAuthorised

NR_MY = Actor.nr("MY", "aziz")
CHAIR_SG = Actor.chair_team("SG", "alice")
CHAIR_PH = Actor.chair_team("PH", "maria")
SHEPHERD_ID = Actor.shepherd("ID", "ina")
ASEC = Actor(id="imd", role="asec")
ADMIN = Actor(id="root", role="admin")
SYSTEM = Actor(id="ascn-engine", role="system")
LEGACY = Actor(id="old", role="chair_team")
CYCLE_2027 = Scope(year=2027, chair="SG", shepherd="ID")


@pytest.mark.parametrize(
    ("actor", "action", "scope", "allowed"),
    [
        (NR_MY, Action.SUBMIT_NOMINATIONS, Scope(member_state="MY"), True),
        (NR_MY, Action.SUBMIT_NOMINATIONS, Scope(member_state="SG"), False),
        (NR_MY, Action.DECLARE_NIL_RETURN, Scope(member_state="MY"), True),
        (NR_MY, Action.APPROVE_STEP, CYCLE_2027, False),
        (NR_MY, Action.READ_CYCLE, CYCLE_2027, True),
        (NR_MY, Action.READ_EVENTS, CYCLE_2027, False),
        # A member state's calendar: an NR its own only; the other readers every one's.
        (NR_MY, Action.READ_STATE_CALENDAR, Scope(year=2027, member_state="MY"), True),
        (NR_MY, Action.READ_STATE_CALENDAR, Scope(year=2027, member_state="TH"), False),
        (CHAIR_PH, Action.READ_STATE_CALENDAR, Scope(year=2027, member_state="TH"), True),
        (SHEPHERD_ID, Action.READ_STATE_CALENDAR, Scope(year=2027, member_state="TH"), True),
        (ASEC, Action.READ_STATE_CALENDAR, Scope(year=2027, member_state="TH"), True),
        (ADMIN, Action.READ_STATE_CALENDAR, Scope(year=2027, member_state="TH"), True),
        (LEGACY, Action.READ_STATE_CALENDAR, Scope(year=2027, member_state="TH"), False),
        (CHAIR_SG, Action.APPROVE_STEP, CYCLE_2027, True),
        (CHAIR_SG, Action.EXTEND_DEADLINE, CYCLE_2027, True),
        (CHAIR_SG, Action.WAIVE_STEP, CYCLE_2027, True),
        (CHAIR_SG, Action.GRANT_EXCEPTION, CYCLE_2027, True),
        (CHAIR_PH, Action.APPROVE_STEP, CYCLE_2027, False),
        (CHAIR_PH, Action.GRANT_EXCEPTION, CYCLE_2027, False),
        (CHAIR_PH, Action.APPROVE_STEP, Scope(year=2026, chair="PH"), True),
        (CHAIR_SG, Action.SUBMIT_NOMINATIONS, Scope(member_state="SG"), False),
        (CHAIR_SG, Action.START_CYCLE, CYCLE_2027, False),
        (SHEPHERD_ID, Action.START_CYCLE, CYCLE_2027, True),
        (SHEPHERD_ID, Action.START_CYCLE, Scope(year=2019, shepherd="SG"), False),
        (SHEPHERD_ID, Action.READ_EVENTS, CYCLE_2027, True),
        (SHEPHERD_ID, Action.APPROVE_STEP, CYCLE_2027, False),
        (ASEC, Action.APPROVE_STEP, CYCLE_2027.model_copy(update={"owed_by": "asec"}), True),
        (ASEC, Action.APPROVE_STEP, CYCLE_2027.model_copy(update={"owed_by": "chair_of_ascn"}),
         False),
        (ASEC, Action.EXTEND_DEADLINE, CYCLE_2027, False),
        (ASEC, Action.READ_EVENTS, CYCLE_2027, True),
        (ASEC, Action.READ_NOMINATIONS, CYCLE_2027, True),
        (ADMIN, Action.MANAGE_USERS, Scope(), True),
        (ADMIN, Action.APPROVE_STEP, CYCLE_2027, False),
        (SHEPHERD_ID, Action.MANAGE_USERS, Scope(), False),
        (SYSTEM, Action.APPROVE_STEP, CYCLE_2027, False),
        (LEGACY, Action.APPROVE_STEP, CYCLE_2027, False),
        (LEGACY, Action.READ_CYCLE, CYCLE_2027, False),
        # The chain: each body's decision, the JCM submission, the progress review.
        (CHAIR_SG, Action.RECORD_DECISION, CYCLE_2027, True),
        (CHAIR_PH, Action.RECORD_DECISION, CYCLE_2027, False),
        (ASEC, Action.RECORD_DECISION, CYCLE_2027, True),
        (NR_MY, Action.RECORD_DECISION, CYCLE_2027, False),
        (SHEPHERD_ID, Action.RECORD_DECISION, CYCLE_2027, False),
        (Actor.nr("SG", "nr-sg"), Action.SUBMIT_REPORT, CYCLE_2027, True),
        (NR_MY, Action.SUBMIT_REPORT, CYCLE_2027, False),
        (SHEPHERD_ID, Action.SUBMIT_REPORT, CYCLE_2027, True),
        (Actor.shepherd("SG", "sam"), Action.SUBMIT_REPORT, CYCLE_2027, False),
        (CHAIR_SG, Action.SUBMIT_REPORT, CYCLE_2027, False),
        (ASEC, Action.SUBMIT_REPORT, CYCLE_2027, False),
        (ASEC, Action.SUBMIT_PROGRESS_REVIEW, CYCLE_2027, True),
        (CHAIR_SG, Action.SUBMIT_PROGRESS_REVIEW, CYCLE_2027, False),
        (ADMIN, Action.SUBMIT_PROGRESS_REVIEW, CYCLE_2027, False),
        # The annual report: ASEC drafts it and submits a draft; no one else does.
        (ASEC, Action.DRAFT_REPORT, CYCLE_2027, True),
        (ASEC, Action.SUBMIT_REPORT_DRAFT, CYCLE_2027, True),
        (CHAIR_SG, Action.DRAFT_REPORT, CYCLE_2027, False),
        (Actor.nr("SG", "nr-sg"), Action.DRAFT_REPORT, CYCLE_2027, False),
        (SHEPHERD_ID, Action.SUBMIT_REPORT_DRAFT, CYCLE_2027, False),
        (ADMIN, Action.DRAFT_REPORT, CYCLE_2027, False),
        # Candidature cities: the NR proposes for its own AMS, the Chair's team decides.
        (NR_MY, Action.PROPOSE_CITY, Scope(year=2027, member_state="MY"), True),
        (NR_MY, Action.PROPOSE_CITY, Scope(year=2027, member_state="TL"), False),
        (CHAIR_SG, Action.PROPOSE_CITY, Scope(year=2027, member_state="SG"), False),
        (CHAIR_SG, Action.DECIDE_CITY, CYCLE_2027, True),
        (CHAIR_PH, Action.DECIDE_CITY, CYCLE_2027, False),
        (NR_MY, Action.DECIDE_CITY, CYCLE_2027, False),
        (ASEC, Action.DECIDE_CITY, CYCLE_2027, False),
    ],
)  # fmt: skip
def test_the_policy(actor: Actor, action: Action, scope: Scope, allowed: bool) -> None:
    assert permits(actor, action, scope) is allowed
    if not allowed:
        with pytest.raises(NotAuthorised, match=f"^{actor.label} may not {action}"):
            authorize(actor, action, scope)


def test_a_refusal_names_who_may() -> None:
    assert refusal(CHAIR_PH, Action.APPROVE_STEP, CYCLE_2027) == (
        "chair_team:PH/maria may not approve a step in the 2027 cycle: only the Chair's team "
        "of that year's Chair (chair_team:SG), or ASEC for a step it owes, may"
    )
    assert refusal(NR_MY, Action.SUBMIT_NOMINATIONS, Scope(year=2027, member_state="SG")) == (
        "nr:MY/aziz may not submit nominations for SG: only the NR of SG (nr:SG) may"
    )


def test_a_refusal_before_the_member_state_is_known_names_no_none() -> None:
    """The API asks first without the body: a Chair's team nominating is told who may."""
    assert refusal(CHAIR_SG, Action.SUBMIT_NOMINATIONS) == (
        "chair_team:SG/alice may not submit nominations: only the NR of the member state "
        "(nr:<AMS>) may"
    )


codes = st.sampled_from(["SG", "MY", "PH", "ID", "TL"])


@given(own=codes, chair=codes, year=st.integers(2018, 2100))
def test_a_chairs_team_decides_exactly_in_the_years_its_member_state_chairs(
    own: str, chair: str, year: int
) -> None:
    actor = Actor.chair_team(own, "someone")
    for action in (Action.APPROVE_STEP, Action.EXTEND_DEADLINE, Action.WAIVE_STEP):
        assert permits(actor, action, Scope(year=year, chair=chair)) is (own == chair)


@given(own=codes, target=codes)
def test_an_nr_returns_for_its_own_member_state_only(own: str, target: str) -> None:
    actor = Actor.nr(own, "someone")
    assert permits(actor, Action.SUBMIT_NOMINATIONS, Scope(member_state=target)) is (own == target)
