"""Events are frozen, typed facts: they refuse malformed data when built."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from domain.events import NilReturnDeclared, Noted, Person, StepApproved, StepCompleted, StepOpened


def test_events_are_frozen_and_reject_unknown_fields() -> None:
    event = StepApproved(year=2019, step="ACC")
    with pytest.raises(ValidationError):
        event.step = "JCM"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="actor"):
        StepApproved.model_validate({"year": 2019, "step": "ACC", "actor": "chair_team/alice"})


def test_event_datetimes_must_be_timezone_aware() -> None:
    naive = datetime(2019, 8, 1, 17, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValidationError, match="timezone"):
        StepOpened(year=2019, step="ACC", deadline=naive)


@pytest.mark.parametrize("step", ["", "   "])
def test_a_step_name_must_not_be_blank(step: str) -> None:
    with pytest.raises(ValidationError, match="step"):
        StepCompleted(year=2019, step=step)


def test_a_noted_decision_is_noted_or_endorsed() -> None:
    assert Noted(year=2018, body="JCM", decision="endorsed").decision == "endorsed"
    with pytest.raises(ValidationError, match="decision"):
        Noted.model_validate({"year": 2018, "body": "JCM", "decision": "ignored"})


@pytest.mark.parametrize("email", ["aziz", "aziz@", "@example.my", "a z@b", ""])
def test_a_person_needs_an_email_shaped_like_a_at_b(email: str) -> None:
    with pytest.raises(ValidationError, match="email"):
        Person(name="Aziz", email=email)
    assert Person(name="Aziz", email=" a@b ").email == "a@b"


def test_a_nil_return_must_carry_forward_an_earlier_year() -> None:
    with pytest.raises(ValidationError, match="must carry forward an earlier year, not 2019"):
        NilReturnDeclared(year=2019, member_state="MY", carried_forward_from=2019)
