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
