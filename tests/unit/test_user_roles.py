"""A person's role names its member state; the engine's role and legacy roles are refused."""

from __future__ import annotations

import pytest

from domain.users import check_role


@pytest.mark.parametrize("role", ["admin", "asec", "nr:MY", "shepherd:ID", "chair_team:SG"])
def test_a_persons_role_is_accepted(role: str) -> None:
    assert check_role(role) == role


@pytest.mark.parametrize(
    ("role", "problem"),
    [
        ("chair_team", "must name its member state: chair_team:<AMS>"),
        ("shepherd", "must name its member state: shepherd:<AMS>"),
        ("system", "the engine's own"),
        ("chair_team:XX", "unknown member state 'XX'"),
    ],
)
def test_a_role_no_person_can_hold_is_refused(role: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_role(role)


def test_an_unknown_role_lists_only_the_roles_a_person_may_hold() -> None:
    with pytest.raises(ValueError, match=r"^unknown role 'chair'") as raised:
        check_role("chair")
    assert str(raised.value) == (
        "unknown role 'chair'; expected one of admin, asec, nr:<AMS>, shepherd:<AMS>, "
        "chair_team:<AMS> or csco:<city-id> (AMS: a member state's two-letter code; "
        "city-id: e.g. KH-siem-reap)"
    )
    assert "system" not in str(raised.value)
