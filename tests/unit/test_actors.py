"""Actors: a role and an id, stored by the event store as the label role/id."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.actors import FIXED_ROLES, Actor
from domain.errors import InvalidActor


def test_an_nr_label_reads_back_as_the_nr_of_that_member_state() -> None:
    aziz = Actor.parse("nr:MY/aziz")
    assert aziz == Actor(id="aziz", role="nr:MY")
    assert aziz.member_state == "MY"
    assert aziz.is_nr_of("MY")
    assert not aziz.is_nr_of("SG")
    assert aziz.kind == "nr"


def test_the_label_and_str_are_role_slash_id() -> None:
    actor = Actor(id="nr-my-1", role="nr:MY")
    assert actor.label == "nr:MY/nr-my-1"
    assert str(actor) == "nr:MY/nr-my-1"


def test_the_chairs_team_acts_for_its_member_state_but_is_not_its_nr() -> None:
    alice = Actor.parse("chair_team:SG/alice")
    assert alice == Actor.chair_team("SG", "alice")
    assert (alice.kind, alice.member_state) == ("chair_team", "SG")
    assert not alice.is_nr_of("SG")


def test_a_shepherd_names_its_member_state() -> None:
    ina = Actor.parse("shepherd:ID/ina")
    assert (ina.kind, ina.member_state, ina.is_legacy) == ("shepherd", "ID", False)


def test_roles_recorded_before_roles_named_a_member_state_still_read_back() -> None:
    old = Actor.parse("chair_team/alice")
    assert (old.kind, old.member_state, old.is_legacy) == ("chair_team", None, True)


def test_an_id_may_itself_contain_a_slash() -> None:
    worker = Actor.parse("system/worker/1")
    assert (worker.role, worker.id) == ("system", "worker/1")
    assert worker.label == "system/worker/1"


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("aziz", "is not of the form role/id"),
        ("nr:my/aziz", "unknown role 'nr:my'"),
        ("nr:MYS/aziz", "unknown role 'nr:MYS'"),
        ("king/arthur", "unknown role 'king'"),
        ("nr:MY/", "id: String should have at least 1 character"),
        ("admin/ bob", "must be printable and not start or end with whitespace"),
        ("admin/bo\nb", "must be printable and not start or end with whitespace"),
    ],
)
def test_a_malformed_label_is_refused_naming_the_label_and_the_problem(
    label: str, problem: str
) -> None:
    with pytest.raises(InvalidActor) as raised:
        Actor.parse(label)
    assert repr(label) in str(raised.value)
    assert problem in str(raised.value)


def test_constructing_an_actor_with_an_unknown_role_fails_validation() -> None:
    with pytest.raises(ValidationError, match="expected one of admin, asec, system, nr:<AMS>"):
        Actor(id="x", role="chair")


roles = st.one_of(
    st.sampled_from(FIXED_ROLES),
    st.from_regex(r"\A(nr|shepherd|chair_team):[A-Z]{2}\Z"),
)
ids = st.text(min_size=1, max_size=40).filter(lambda s: s == s.strip() and s.isprintable())


@given(role=roles, id=ids)
def test_every_valid_actor_survives_its_label(role: str, id: str) -> None:
    actor = Actor(id=id, role=role)
    assert Actor.parse(actor.label) == actor
