"""Calendar files: every problem reported with its place; 2018 and 2019 validate and plan;
whatever passes the checker can be planned and scheduled (extremes included)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from activities.working_days import with_civil_hours
from ascn.calendar_files import as_json, packaged_calendar, read_calendar
from ascn.cli import app
from domain.calendar import recurring
from domain.calendar_files import CalendarInvalid, _bounds, check_calendar
from domain.reference import ReferenceData
from workflows.messages import CycleMemory
from workflows.progress import Progress

REFERENCE = ReferenceData.load()
RECURRING = tuple(step.step for step in recurring(2027).steps)
"""Every step of the template: the property test dates them all."""
PACKAGED = Path(__file__).parents[2] / "domain" / "data" / "calendars"

BAD = """\
year: 2019
template: recurring
zone: Asia/Nowhere
annual_meeting: {host: XX, venue: Bangkok}
ladder:
  - {rung: deadline, days_after: 7, to: shepherd}
  - {rung: later, days_after: 3, to: chair_of_ascn}
steps:
  - {step: nomination_deadline, opens: 2018-12-01, due: 2019-02-28}
  - {step: scgw, opens: 2019-03-01, due: 2019-02-01}
  - {step: annual_meting, opens: 2019-06-01, due: 2019-08-23}
  - {step: jcm_submission, opens: 2019-09-01, due: 2021-10-15}
  - {step: acc, opens: 2019-10-16, due: not-a-date}
  - {step: summit, opens: 2019-10-16, due: 2019-11-04, colour: red}
"""


def test_a_file_with_errors_gets_every_error_reported_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "2019.yaml"
    path.write_text(BAD, "utf-8")

    result = CliRunner().invoke(app, ["calendar", "check", str(path)])

    assert result.exit_code == 1
    lines = [line.removeprefix(f"{path}: ") for line in result.output.splitlines()]
    expected = [
        "zone: unknown time zone 'Asia/Nowhere'",
        "annual_meeting.host: unknown member state 'XX'",
        "ladder[1].days_after: 3 comes before the rung above it (7)",
        "steps[0].opens: 2018-12-01 is before the cycle's year 2019",
        "steps[1].due: 2019-02-01 is before the step opens, 2019-03-01",
        "steps[2].step: no step 'annual_meting' in the recurring template",
        "steps[3].due: 2021-10-15 is after 2020-12-30",
        "steps[4].due: Input should be a valid date",
        "steps[5].colour: Extra inputs are not permitted",
    ]
    for problem in expected:
        assert any(line.startswith(problem) for line in lines), (problem, lines)
    assert lines[-1] == f"{len(expected)} problem(s); nothing was planned"
    assert "Traceback" not in result.output


def test_not_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("year: 2019\nsteps: [\n", "utf-8")

    result = CliRunner().invoke(app, ["calendar", "check", str(path)])

    assert result.exit_code == 1
    assert "line 3, column 1: not valid YAML" in result.output


def test_an_impossible_date_is_named_with_every_other_problem(tmp_path: Path) -> None:
    path = tmp_path / "2019.yaml"
    path.write_text(
        "year: 2019\ntemplate: recurring\nzone: Mars/Olympus\n"
        "steps:\n  - step: scgw\n    opens: 2019-13-01\n    due: 2019-05-31\n"
    )
    result = CliRunner().invoke(app, ["calendar", "check", str(path)])
    assert result.exit_code == 1
    assert "steps[0].opens:" in result.output
    assert "month" in result.output
    assert "zone: unknown time zone 'Mars/Olympus'" in result.output
    assert "Traceback" not in result.output
    assert "ValueError" not in result.output


def test_the_shipped_files_check_in_one_line() -> None:
    for year in (2018, 2019):
        result = CliRunner().invoke(app, ["calendar", "check", str(PACKAGED / f"{year}.yaml")])
        assert result.exit_code == 0, result.output
        assert len(result.output.strip().splitlines()) == 1
        assert f"valid: {year} calendar" in result.output


def test_2018_is_the_notes_timeline_with_the_real_dates() -> None:
    checked = packaged_calendar(2018)
    plan = checked.calendar.plan(REFERENCE)

    assert plan.template == "inaugural-2018"
    assert plan.chair == "SG"
    assert plan.step("scgw").deadline.date() == date(2018, 5, 25)
    assert "22-25 May 2018" in plan.step("scgw").title
    assert plan.step("annual_meeting").deadline.date() == date(2018, 7, 8)
    assert checked.meeting.host == "SG"
    assert next(s.step for s in plan.steps) == "nomination_deadline"


def test_2019_has_its_meeting_in_bangkok_with_thailand_chairing() -> None:
    checked = packaged_calendar(2019)
    plan = with_civil_hours(checked.calendar.plan(REFERENCE), REFERENCE)

    assert plan.chair == "TH"
    assert plan.zone == "Asia/Bangkok"
    meeting = plan.step("annual_meeting")
    assert meeting.deadline.date() == date(2019, 8, 23)
    assert meeting.title.endswith("Bangkok, Thailand")
    assert (checked.meeting.host, checked.meeting.venue) == ("TH", "Bangkok, Thailand")
    assert plan.civil is not None
    assert plan.civil.states["TH"].zone == "Asia/Bangkok"


def test_reminders_and_ladder_are_set_per_calendar() -> None:
    raw = _calendar(2027, reminders=[{"rung": "T-3", "days_before": 3}],
                    ladder=[{"rung": "late", "days_after": 2, "to": "chair_of_ascn"}])  # fmt: skip
    calendar = check_calendar(raw, REFERENCE).calendar
    assert [(r.rung, r.before) for r in calendar.reminders] == [("T-3", timedelta(days=3))]
    assert [(e.rung, e.after, e.to) for e in calendar.ladder] == [
        ("late", timedelta(days=2), "chair_of_ascn")
    ]


def _calendar(year: int, **changes: Any) -> dict[str, Any]:
    return {
        "year": year, "template": "recurring", "zone": "Asia/Jakarta",
        "annual_meeting": {"host": "ID", "venue": "Jakarta"},
        "steps": [{"step": "nomination_deadline", "opens": f"{year}-01-15",
                   "due": f"{year}-02-28"}],
        **changes,
    }  # fmt: skip


offsets = st.integers(min_value=0, max_value=200)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    year=st.sampled_from([1967, 2018, 2019, 2099, 9998, 9999]),
    zone=st.sampled_from(["Asia/Jakarta", "Pacific/Kiritimati", "Etc/GMT+12", "UTC"]),
    shift=st.integers(min_value=-400, max_value=800),
    span=st.integers(min_value=0, max_value=800),
    before=offsets,
    after=offsets,
)
def test_what_passes_the_checker_plans_and_schedules_without_failing(
    year: int, zone: str, shift: int, span: int, before: int, after: int
) -> None:
    try:  # 9998 shifted by two years is past the calendar's end: no date to check
        opens = date(year, 1, 1) + timedelta(days=shift)
        due = opens + timedelta(days=span)
    except OverflowError:
        return
    raw = _calendar(
        year, zone=zone,
        reminders=[{"rung": "T-x", "days_before": before}],
        ladder=[{"rung": "esc", "days_after": after, "to": "jcm_report"}],
        steps=[{"step": name, "opens": opens.isoformat(), "due": due.isoformat()}
               for name in RECURRING],
    )  # fmt: skip
    inside = (
        year >= 2018  # the Chair's rotation starts then: before, no Chair to plan with
        and date(year, 1, 1) <= opens <= due <= _bounds(year)[1]
        and 1 <= before <= 180
        and after <= 180
    )
    if not inside:
        # Refused with reasons, never an exception of another kind.
        with pytest.raises(CalendarInvalid):
            check_calendar(raw, REFERENCE)
        return
    checked = check_calendar(raw, REFERENCE)  # within bounds: accepted
    plan = with_civil_hours(checked.calendar.plan(REFERENCE), REFERENCE)
    progress = Progress(plan, CycleMemory(deadlines={s.step: s.deadline for s in plan.steps}))
    progress.civil = plan.civil
    limit = plan.extension_limit()
    for step in plan.steps:
        for deadline in (step.deadline, limit):  # as planned, and extended to the last
            progress.state.deadlines[step.step] = deadline
            progress.state.processed_until[step.step] = step.opens_at
            schedule = progress.schedule(step.step)
            assert schedule
            progress.next_due(step.step)
            progress.due(step.step, deadline)


def test_what_the_cli_sends_checks_as_the_file_does() -> None:
    """`ascn cycle start --calendar` sends the file as JSON (dates as YYYY-MM-DD): the
    service's check of it plans the same calendar as the file's own."""
    raw = read_calendar(PACKAGED / "2019.yaml")
    sent = as_json(raw)

    assert sent["steps"][2] == {"step": "annual_meeting", "opens": "2019-06-01",
                                "due": "2019-08-23"}  # fmt: skip
    assert check_calendar(sent, REFERENCE).calendar == check_calendar(raw, REFERENCE).calendar
