"""Starting a cycle, its status, and the Chair's team's decisions on it."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from api.auth import may
from api.context import Context
from api.idempotency import Idempotent
from api.models import (
    ONE_LINE,
    CycleStarted,
    ExceptionGrant,
    Extension,
    Recorded,
    StartCycleBody,
    Waiver,
)
from api.problems import problem_responses
from api.status import known_cycle
from domain.access import Action
from domain.actors import Actor
from eventstore.readmodels.cycles import CycleStatusView
from services import cycles
from services.commands import (
    AllowException,
    ApproveStep,
    ExtendDeadline,
    Outcome,
    StartCycle,
    WaiveStep,
)

router = APIRouter(prefix="/v1/cycles", tags=["cycles"])

YearPath = Annotated[int, Path(ge=1967, le=9999, description="The cycle's year.")]
StepPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=ONE_LINE, description="A step of the plan.")
]
Starter = Annotated[Actor, Depends(may(Action.START_CYCLE))]
Reader = Annotated[Actor, Depends(may(Action.READ_CYCLE))]
Approver = Annotated[Actor, Depends(may(Action.APPROVE_STEP))]
Extender = Annotated[Actor, Depends(may(Action.EXTEND_DEADLINE))]
Waiver_ = Annotated[Actor, Depends(may(Action.WAIVE_STEP))]
Granter = Annotated[Actor, Depends(may(Action.GRANT_EXCEPTION))]
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 422, 503)
# 400: a body that is not even text (FastAPI's "error parsing the body").
BODY_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422, 503)


async def recorded(outcome: Awaitable[Outcome]) -> Recorded:
    return Recorded(recorded=list((await outcome).recorded))


@router.post(
    "", status_code=201, response_model=CycleStarted,
    responses=problem_responses(400, 401, 403, 409, 422, 503),
)  # fmt: skip
async def start_cycle(
    body: StartCycleBody, actor: Starter, context: Context, once: Idempotent
) -> CycleStarted | Response:
    """Start the year's cycle (workflow ``ascn-cycle-<year>``): its shepherd only, once."""
    command = StartCycle(
        year=body.year, template=body.template, calendar=body.calendar,
        allow_past_deadlines=body.allow_past_deadlines,
    )  # fmt: skip

    async def start() -> CycleStarted:
        started = await cycles.start_cycle(command, actor, context.cycles)
        return CycleStarted(
            year=started.year, workflow_id=started.workflow_id, run_id=started.run_id,
            template=started.template, started_by=started.started_by,
        )  # fmt: skip

    return await once(actor, body, start, status_code=201)


@router.get(
    "/{year}", response_model=CycleStatusView, responses=problem_responses(401, 403, 404, 422)
)
def cycle_status(year: YearPath, _: Reader, context: Context) -> CycleStatusView:
    """Where the year's cycle stands: its steps, deadlines and who is overdue, as the
    read models show it, and how many stored events they do not reflect yet (``behind``)."""
    return known_cycle(context.status, year)


@router.post("/{year}/steps/{step}/approve", response_model=Recorded, responses=WRITE_PROBLEMS)
async def approve_step(
    year: YearPath, step: StepPath, actor: Approver, context: Context, once: Idempotent
) -> Recorded | Response:
    command = ApproveStep(year=year, step=step, request_id=once.key)
    return await once(
        actor, None, lambda: recorded(cycles.approve_step(command, actor, context.cycles))
    )


@router.post("/{year}/steps/{step}/extend", response_model=Recorded, responses=BODY_PROBLEMS)
async def extend_deadline(
    year: YearPath, step: StepPath, body: Extension, actor: Extender, context: Context,
    once: Idempotent,
) -> Recorded | Response:  # fmt: skip
    """Move a step's deadline. A date is the end of that day in the cycle's time zone; an
    instant is kept in that zone too. Refused (409) if not after the current deadline,
    already past, beyond a year after the cycle's year, or after a later step's deadline
    (unless ``move_later_steps``)."""
    command = ExtendDeadline(
        year=year, step=step, new_deadline=body.new_deadline, reason=body.reason,
        move_later_steps=body.move_later_steps, request_id=once.key,
    )  # fmt: skip
    return await once(
        actor, body, lambda: recorded(cycles.extend_deadline(command, actor, context.cycles))
    )


@router.post("/{year}/steps/{step}/waive", response_model=Recorded, responses=BODY_PROBLEMS)
async def waive_step(
    year: YearPath, step: StepPath, body: Waiver, actor: Waiver_, context: Context,
    once: Idempotent,
) -> Recorded | Response:  # fmt: skip
    command = WaiveStep(year=year, step=step, reason=body.reason, request_id=once.key)
    return await once(
        actor, body, lambda: recorded(cycles.waive_step(command, actor, context.cycles))
    )


@router.post("/{year}/exceptions", response_model=Recorded, responses=BODY_PROBLEMS)
async def grant_exception(
    year: YearPath, body: ExceptionGrant, actor: Granter, context: Context, once: Idempotent
) -> Recorded | Response:
    """Let one member state break one nomination rule this year (e.g. a fourth city)."""
    command = AllowException(
        year=year, member_state=body.member_state, exception_id=body.exception_id,
        rule=body.rule, max_cities=body.max_cities, reason=body.reason,
        request_id=once.key,
    )  # fmt: skip
    return await once(
        actor, body, lambda: recorded(cycles.allow_exception(command, actor, context.cycles))
    )
