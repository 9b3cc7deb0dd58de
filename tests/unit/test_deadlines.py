"""Where an extension may move a deadline, and arithmetic that stops at the calendar's ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from domain.calendar import recurring
from domain.deadlines import (
    DeadlineInput,
    ExtensionRefused,
    check_extension,
    check_within_year,
    in_zone,
    resolve,
    shifted,
)
from tests.unit.builders import REFERENCE

DAY = timedelta(days=1)
NOW = datetime(2027, 5, 1, tzinfo=UTC)
CURRENT = datetime(2027, 5, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=7)))
LATEST = datetime(2028, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=7)))
OFFSETS = [timezone(timedelta(hours=h)) for h in range(-12, 15)]


def check(new: datetime, *, later: tuple[tuple[str, datetime], ...] = (), move: bool = False,
          now: datetime = NOW) -> tuple[str, ...]:  # fmt: skip
    return check_extension(
        step="scgw", current=CURRENT, new=new, now=now, latest=LATEST, later=later,
        move_later_steps=move,
    )  # fmt: skip


@given(
    # hypothesis takes naive bounds and adds the zones itself
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),  # noqa: DTZ001
                 timezones=st.sampled_from(OFFSETS)),
    st.timedeltas(min_value=-timedelta(days=999_999), max_value=timedelta(days=999_999)),
)  # fmt: skip
def test_shifting_never_overflows_and_never_crosses_the_moment(
    moment: datetime, by: timedelta
) -> None:
    moved = shifted(moment, by)

    assert moved >= moment if by >= timedelta(0) else moved <= moment
    assert moved.tzinfo == moment.tzinfo


def test_an_instant_without_a_date_in_the_zone_is_refused_not_raised() -> None:
    end = datetime.max.replace(tzinfo=timezone(timedelta(hours=-12)))

    with pytest.raises(ExtensionRefused, match="has no date in Asia/Jakarta"):
        in_zone(end, "Asia/Jakarta")


def test_a_date_is_the_end_of_that_day_in_the_zone_and_an_instant_keeps_its_time() -> None:
    assert resolve(date(2027, 6, 15), "Asia/Jakarta").isoformat() == (
        "2027-06-15T23:59:59.999999+07:00"
    )
    noon_utc = datetime(2027, 6, 15, 12, tzinfo=UTC)
    assert resolve(noon_utc, "Asia/Manila").isoformat() == "2027-06-15T20:00:00+08:00"


def test_a_calendar_allows_extensions_until_a_year_after_its_year() -> None:
    plan = recurring(2027).plan(REFERENCE)

    assert plan.extension_limit().isoformat() == "2028-12-30T23:59:59.999999+07:00"


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (CURRENT, "must be after the current one"),
        (CURRENT - DAY, "must be after the current one"),
        (LATEST + timedelta(microseconds=1), "is beyond the latest one this cycle allows"),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=14))), "beyond"),
    ],
)
def test_an_extension_outside_its_window_is_refused(new: datetime, expected: str) -> None:
    with pytest.raises(ExtensionRefused, match=expected):
        check(new)


def test_an_extension_already_past_is_refused() -> None:
    with pytest.raises(ExtensionRefused, match="is already past"):
        check(CURRENT + DAY, now=CURRENT + 2 * DAY)


def test_an_extension_past_a_later_step_moves_it_only_when_asked() -> None:
    later = (("annual_meeting", CURRENT + 10 * DAY), ("summit", CURRENT + 30 * DAY))

    with pytest.raises(ExtensionRefused, match=r"later step annual_meeting.*move_later_steps"):
        check(CURRENT + 20 * DAY, later=later)
    assert check(CURRENT + 20 * DAY, later=later, move=True) == ("annual_meeting",)
    assert check(CURRENT + 5 * DAY, later=later) == ()


class Body(BaseModel):
    new_deadline: DeadlineInput


@pytest.mark.parametrize(
    ("given_as", "parsed"),
    [
        ("2027-06-15", date(2027, 6, 15)),
        ("2027-06-15T23:59:59+07:00",
         datetime(2027, 6, 15, 23, 59, 59, tzinfo=timezone(timedelta(hours=7)))),
    ],
)  # fmt: skip
def test_a_deadline_is_given_as_a_date_or_an_instant(given_as: str, parsed: object) -> None:
    body = Body.model_validate_json(f'{{"new_deadline": "{given_as}"}}')

    assert body.new_deadline == parsed
    assert body.model_dump(mode="json") == {"new_deadline": given_as}


@pytest.mark.parametrize(
    ("given_as", "expected"),
    [("2027-06-15T12:00:00", "timezone"), ("2027-02-30", "not a date"), (1718000000, "a date")],
)
def test_anything_else_is_refused_naming_what_a_deadline_is(
    given_as: object, expected: str
) -> None:
    with pytest.raises(ValidationError, match=expected):
        Body.model_validate({"new_deadline": given_as})


@pytest.mark.parametrize(
    ("given_as", "shown"),
    [
        (date(1, 1, 1), "0001-01-01"),
        (date(2025, 12, 31), "2025-12-31"),
        (datetime(2025, 12, 31, 9, 0, tzinfo=UTC), "2025-12-31T09:00:00+00:00"),
    ],
)
def test_a_deadline_before_the_cycles_year_is_refused_as_given(
    given_as: date | datetime, shown: str
) -> None:
    """Never resolved in the cycle's zone first: Asia/Jakarta in year 1 is +07:07:12."""
    with pytest.raises(ExtensionRefused) as refused:
        check_within_year(2026, "scgw", given_as)
    assert str(refused.value) == (
        f"the new deadline {shown} of scgw is before 2026: a deadline of the 2026 cycle only "
        "moves later, within its year"
    )


@pytest.mark.parametrize(
    "given_as", [date(2026, 1, 1), datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=14)))]
)
def test_the_first_moment_of_the_year_is_within_it(given_as: date | datetime) -> None:
    check_within_year(2026, "scgw", given_as)  # raises nothing
