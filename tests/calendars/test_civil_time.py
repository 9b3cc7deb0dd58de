"""Reminders at 09:00 on the reader's working day: weekends, holidays, two zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from activities.working_days import with_civil_hours, working_days
from domain.civil_time import WorkingDays, escalation_at, reminder_at
from domain.deadlines import end_of_day
from domain.planning import plan_cycle
from domain.reference import ReferenceData
from workflows.messages import CycleMemory
from workflows.progress import Progress

BANGKOK, MANILA = ZoneInfo("Asia/Bangkok"), ZoneInfo("Asia/Manila")
YEARS = range(2019, 2020)
TH = working_days("TH", "Asia/Bangkok", YEARS)
PH = working_days("PH", "Asia/Manila", YEARS)
BN = working_days("BN", "Asia/Brunei", YEARS)


def at_nine(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(9), tzinfo=zone)


def test_a_reminder_on_a_holiday_moves_to_the_working_day_before_in_that_state_only() -> None:
    # Due Monday 22 April 2019 in Bangkok: T-7 lands on Monday 15 April, Songkran in
    # Thailand (a holiday, after a weekend), an ordinary Monday in the Philippines.
    assert date(2019, 4, 15) in TH.holidays
    assert date(2019, 4, 15) not in PH.holidays
    deadline = end_of_day(date(2019, 4, 22), "Asia/Bangkok")

    thai = reminder_at(deadline, timedelta(days=7), TH)
    filipino = reminder_at(deadline, timedelta(days=7), PH)

    assert thai == at_nine(date(2019, 4, 12), BANGKOK)  # Friday, before Songkran
    assert filipino == at_nine(date(2019, 4, 15), MANILA)
    assert thai.astimezone(UTC) == datetime(2019, 4, 12, 2, 0, tzinfo=UTC)
    assert filipino.astimezone(UTC) == datetime(2019, 4, 15, 1, 0, tzinfo=UTC)


def test_a_reminder_on_a_weekend_moves_to_the_friday_or_to_bruneis_thursday() -> None:
    # Due Monday 18 March 2019: T-1 lands on Sunday 17 March (an instant late on Sunday).
    deadline = end_of_day(date(2019, 3, 18), "Asia/Bangkok")

    assert reminder_at(deadline, timedelta(days=1), TH) == at_nine(date(2019, 3, 15), BANGKOK)
    assert reminder_at(deadline, timedelta(days=1), PH) == at_nine(date(2019, 3, 15), MANILA)
    # Brunei rests on Friday and Sunday: its Saturday is a working day.
    brunei = ZoneInfo("Asia/Brunei")
    assert reminder_at(deadline, timedelta(days=1), BN) == at_nine(date(2019, 3, 16), brunei)


def test_a_reminder_always_comes_before_the_deadline() -> None:
    # Two months off: the reminder keeps its plain offset rather than wandering away.
    off = WorkingDays(
        zone="Asia/Manila", holidays=tuple(date(2019, 2, 1) + timedelta(days=n) for n in range(60))
    )
    deadline = end_of_day(date(2019, 3, 18), "Asia/Bangkok")
    assert reminder_at(deadline, timedelta(days=1), off) == deadline - timedelta(days=1)
    # An offset of an hour: 09:00 that day, still before the end of the day.
    assert reminder_at(deadline, timedelta(hours=1), TH) == at_nine(date(2019, 3, 18), BANGKOK)


def test_an_escalation_on_a_weekend_or_holiday_moves_to_the_next_working_day() -> None:
    # Due Friday 12 April 2019: escalated at the next 09:00 on a working day.
    deadline = end_of_day(date(2019, 4, 12), "Asia/Bangkok")
    thai = escalation_at(deadline, timedelta(0), TH)
    filipino = escalation_at(deadline, timedelta(0), PH)
    assert thai == at_nine(date(2019, 4, 17), BANGKOK)  # past the weekend and Songkran
    assert filipino == at_nine(date(2019, 4, 15), MANILA)
    assert thai > deadline
    assert filipino > deadline


def test_the_deadline_itself_stays_the_end_of_its_day_and_readers_get_their_own_hour() -> None:
    reference = ReferenceData.load()
    plan = with_civil_hours(plan_cycle(reference, 2027, "recurring"), reference)
    assert plan.civil is not None
    assert plan.civil.states["MY"].zone == "Asia/Kuala_Lumpur"
    assert plan.civil.states["ID"].zone == "Asia/Jakarta"
    step = plan.step("nomination_deadline")
    assert step.deadline == end_of_day(date(2027, 2, 28), plan.zone)
    progress = Progress(plan, CycleMemory(deadlines={s.step: s.deadline for s in plan.steps}))
    progress.civil = plan.civil

    schedule = progress.schedule(step.step)

    owed = tuple(f"nr:{code}" for code in plan.member_states)
    readers: list[str] = []
    for rung, at, target in schedule:
        if target is None:
            group = progress.reminded_at(step.step, rung, at, owed)
            assert group, (rung, at)
            readers += [f"{rung}:{p}" for p in group]
            for party in group:  # 09:00 in each reader's own zone
                zone = ZoneInfo(plan.civil.states[party[3:]].zone)
                assert at.astimezone(zone).time() == time(9), (party, at)
                assert at < step.deadline
        else:
            assert at > step.deadline
    # Every reader gets every rung exactly once.
    assert sorted(readers) == sorted(f"{r.rung}:{p}" for r in plan.reminders for p in owed)
