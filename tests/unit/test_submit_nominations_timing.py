"""Submitting nominations: membership on the day, candidature cities, lateness, resubmission."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.actors import Actor
from domain.commands import SubmitNominations
from domain.errors import NotAMember, UnknownCity, WrongLedger
from domain.events import CityNomination, LateSubmissionRecorded, NominationsSubmitted
from domain.nominations import submit_nominations
from domain.reference import City
from tests.unit.builders import (
    DEADLINE,
    LATE,
    REFERENCE,
    empty,
    only_submission,
    person,
    submit,
)


def test_timor_leste_can_nominate_dili_once_it_is_a_member() -> None:
    reference = REFERENCE  # Dili is a city in the packaged data, from 2026
    before = datetime(2025, 10, 25, 12, 0, tzinfo=UTC)
    with pytest.raises(NotAMember) as raised:
        submit_nominations(empty("TL"), submit("TL", ["Dili"], year=2026, at=before), reference)
    assert str(raised.value) == (
        "TL (Timor-Leste) was not an ASEAN member on 2025-10-25: it joined on 2025-10-26"
    )
    after = datetime(2025, 11, 3, 12, 0, tzinfo=UTC)
    deadline = datetime(2026, 2, 28, tzinfo=UTC)
    events = submit_nominations(
        empty("TL"), submit("TL", ["Dili"], year=2026, at=after, deadline=deadline), reference
    )
    assert only_submission(events).cities[0] == CityNomination(
        city="Dili", capital=True, csco=person("CSCO Dili")
    )


def test_a_candidature_city_added_to_the_data_can_be_nominated() -> None:
    savannakhet = City(
        name="Savannakhet", member_state="LA", capital=False, joined_year=2020, pilot=False
    )
    reference = REFERENCE.with_city(savannakhet)
    command = submit(
        "LA",
        ["Vientiane", "Luang Prabang", "Savannakhet"],
        year=2020,
        at=DEADLINE.replace(year=2020, month=1),
        deadline=DEADLINE.replace(year=2020),
    )
    event = only_submission(submit_nominations(empty("LA"), command, reference))
    assert [c.city for c in event.cities] == ["Vientiane", "Luang Prabang", "Savannakhet"]
    with pytest.raises(UnknownCity, match="'Savannakhet' for member state LA"):
        submit_nominations(empty("LA"), command, REFERENCE)


def test_a_late_submission_is_accepted_and_recorded() -> None:
    events = submit_nominations(empty("SG"), submit("SG", ["Singapore"], at=LATE), REFERENCE)
    assert isinstance(events[0], NominationsSubmitted)
    assert events[1:] == [
        LateSubmissionRecorded(year=2018, member_state="SG", deadline=DEADLINE, submitted_at=LATE)
    ]


def test_a_submission_exactly_at_the_deadline_is_on_time() -> None:
    events = submit_nominations(empty("SG"), submit("SG", ["Singapore"], at=DEADLINE), REFERENCE)
    assert len(events) == 1


def test_a_resubmission_in_the_same_year_supersedes_the_first() -> None:
    first = submit_nominations(empty("PH"), submit("PH", ["Manila"]), REFERENCE)
    ledger = empty("PH").apply_all(first)
    second = submit_nominations(ledger, submit("PH", ["Manila", "Cebu City"]), REFERENCE)
    ledger = ledger.apply_all(second)
    accepted = ledger.accepted_for(2018)
    assert accepted is not None
    assert [c.city for c in accepted.cities] == ["Manila", "Cebu City"]


def test_a_command_for_one_member_state_cannot_use_anothers_ledger() -> None:
    with pytest.raises(WrongLedger, match="a command for MY was given the nomination ledger of SG"):
        submit_nominations(empty("SG"), submit("MY", ["Kuala Lumpur"]), REFERENCE)


def test_submission_times_must_be_timezone_aware() -> None:
    naive = datetime(2018, 2, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone"):
        SubmitNominations(
            year=2018,
            member_state="SG",
            submitted_by=Actor(id="x", role="nr:SG"),
            submitted_at=naive,
            deadline=DEADLINE,
            national_representative=person("NR"),
            cities=(),
        )
