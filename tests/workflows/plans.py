"""Small cycle plans placed relative to the test server's clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.actors import Actor
from domain.calendar import CyclePlan, Owed, PlannedStep
from domain.commands import NominatedCity
from domain.events import Person
from domain.reference import ReferenceData
from workflows.messages import CycleInput, SubmitNominationsUpdate

DAY = timedelta(days=1)
CHAIR_TEAM = Actor(id="alice", role="chair_team:SG")
REFERENCE = ReferenceData.load()


def step(name: str, owed_by: Owed, opens: datetime, deadline: datetime) -> PlannedStep:
    return PlannedStep(step=name, title=name.replace("_", " "), owed_by=owed_by,
                       opens_at=opens, deadline=deadline)  # fmt: skip


def two_step_plan(now: datetime, member_states: tuple[str, ...] = ("SG", "MY", "MM")) -> CyclePlan:
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
