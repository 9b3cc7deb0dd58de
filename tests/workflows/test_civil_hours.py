"""A cycle whose plan carries working days reminds each reader at 09:00 of its own
working day, and escalates at the shepherd's 09:00 after the deadline."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.civil_time import CivilHours, WorkingDays
from domain.deadlines import end_of_day
from domain.events import ReminderSent, StepEscalated
from domain.streams import cycle_stream
from eventstore.codec import to_domain
from eventstore.store import EventStore
from tests.workflows.plans import DAY, cycle_input, two_step_plan
from workflows.cycle import CycleWorkflow, workflow_id

ZONES = {"SG": "Asia/Singapore", "MY": "Asia/Kuala_Lumpur", "MM": "Asia/Yangon"}


async def test_reminders_go_out_at_nine_on_each_readers_working_day(
    env: WorkflowEnvironment, worker: Worker, store: EventStore
) -> None:
    now = await env.get_current_time()
    plan = two_step_plan(now)
    first = plan.steps[0]
    deadline = end_of_day((first.deadline.astimezone(ZoneInfo(plan.zone))).date(), plan.zone)
    t7 = (deadline - timedelta(days=7)).date()
    civil = CivilHours(
        states={
            "SG": WorkingDays(zone=ZONES["SG"]),
            "MY": WorkingDays(zone=ZONES["MY"]),
            # Myanmar is off on the day T-7 lands on: its reminder comes earlier.
            "MM": WorkingDays(zone=ZONES["MM"], holidays=(t7,)),
        }
    )
    steps = (first.model_copy(update={"deadline": deadline}), *plan.steps[1:])
    plan = plan.model_copy(update={"civil": civil, "steps": steps})
    await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(plan), id=workflow_id(2018), task_queue=worker.task_queue
    )

    await env.sleep(deadline - now + 4 * DAY)  # past the deadline and its first rung
    facts = [(to_domain(e), e.occurred_at) for e in store.read_stream(cycle_stream(2018))]

    reminders = [(f, at) for f, at in facts if isinstance(f, ReminderSent)]
    assert reminders
    seen: dict[str, list[str]] = {}
    for fact, at in reminders:
        codes = {r.removeprefix("nr:") for r in fact.recipients}
        # SG and MY share 09:00 (UTC+8); Myanmar (UTC+6:30) gets its own mail.
        assert codes in ({"SG", "MY"}, {"MM"}), codes
        for code in codes:
            local = at.astimezone(ZoneInfo(ZONES[code]))
            assert (local.hour, local.minute) == (9, 0), (code, local)
            assert civil.states[code].works_on(local.date())
            assert at < deadline
            seen.setdefault(fact.rung, []).append(code)
    # Every rung reached every reader once (T-14 may precede the step's opening).
    for rung in ("T-7", "T-1"):
        assert sorted(seen[rung]) == ["MM", "MY", "SG"]
    mm_t7 = next(at for f, at in reminders if f.rung == "T-7" and "nr:MM" in f.recipients)
    assert mm_t7.astimezone(ZoneInfo(ZONES["MM"])).date() < t7

    [escalation] = [(f, at) for f, at in facts if isinstance(f, StepEscalated)]
    local = escalation[1].astimezone(ZoneInfo(ZONES["SG"]))  # the shepherd is Singapore
    assert escalation[0].rung == "deadline"
    assert (local.hour, local.minute) == (9, 0)
    assert local.weekday() < 5
    assert escalation[1] > deadline
