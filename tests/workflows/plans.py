"""Small cycle plans placed relative to the test server's clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.actors import Actor
from domain.calendar import CyclePlan, Owed, PlannedStep
from domain.commands import NominatedCity
from domain.events import Person
from domain.reference import ReferenceData
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import CycleInput, CycleStatus, SubmitNominationsUpdate

DAY = timedelta(days=1)
CHAIR_TEAM = Actor(id="alice", role="chair_team:SG")
REFERENCE = ReferenceData.load()


def step(name: str, owed_by: Owed, opens: datetime, deadline: datetime) -> PlannedStep:
    return PlannedStep(step=name, title=name.replace("_", " "), owed_by=owed_by,
                       opens_at=opens, deadline=deadline)  # fmt: skip


def two_step_plan(now: datetime, member_states: tuple[str, ...] = ("SG", "MY", "MM")) -> CyclePlan:
    """Nominations open on day 1 and are due on day 20; the meeting is due on day 40."""
    return CyclePlan(
        year=2018,
        template="test",
        zone="Asia/Singapore",
        chair="SG",
        shepherd="SG",
        member_states=member_states,
        steps=(
            step("nomination_deadline", "member_states", now + DAY, now + 20 * DAY),
            step("annual_meeting", "chair_of_ascn", now + 30 * DAY, now + 40 * DAY),
        ),
    )


def cycle_input(plan: CyclePlan) -> CycleInput:
    return CycleInput(plan=plan, reference=REFERENCE)


async def start_cycle(
    env: WorkflowEnvironment,
    worker: Worker,
    plan_for: Callable[[datetime], CyclePlan] = two_step_plan,
) -> tuple[WorkflowHandle[CycleWorkflow, CycleStatus], datetime]:
    """The cycle of ``plan_for(now)`` started on the test server, and the server two days
    on: its first step opens on day 1. Returns its handle and the ``now`` it was planned
    from."""
    now = await env.get_current_time()
    plan = plan_for(now)
    handle = await env.client.start_workflow(
        CycleWorkflow.run, cycle_input(plan), id=workflow_id(plan.year),
        task_queue=worker.task_queue,
    )  # fmt: skip
    await env.sleep(2 * DAY)
    return handle, now


def nominate(code: str, *cities: str, by: Actor | None = None) -> SubmitNominationsUpdate:
    return SubmitNominationsUpdate(
        actor=by or Actor.nr(code, f"nr-{code.lower()}"),
        member_state=code,
        national_representative=Person(name=f"NR {code}", email=f"nr.{code.lower()}@example.org"),
        cities=tuple(
            NominatedCity(city=c, csco=Person(name=f"CSCO {c}", email="csco@example.org"))
            for c in cities
        ),
    )


def three_step_plan(now: datetime) -> CyclePlan:
    """Nominations (days 1 to 20), the annual meeting (30 to 40) and the summit (50 to 60)."""
    plan = two_step_plan(now)
    summit = step("summit", "chair_of_ascn", now + 50 * DAY, now + 60 * DAY)
    return plan.model_copy(update={"steps": (*plan.steps, summit)})
