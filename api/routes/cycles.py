"""Starting a cycle, its status, and the Chair's team's decisions on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path

from api.auth import STAFF, allow
from api.context import Context
from api.models import (
    ONE_LINE,
    CycleStarted,
    ExceptionGrant,
    Extension,
    Recorded,
    StartCycle,
    Waiver,
)
from api.problems import problem_responses
from domain.actors import Actor
from eventstore.readmodels.cycles import CycleStatusView
from workflows.cycle import workflow_id
from workflows.messages import (
    ApproveStepUpdate,
    ExtendDeadlineUpdate,
    GrantExceptionUpdate,
    UpdateResult,
    WaiveStepUpdate,
)

router = APIRouter(prefix="/v1/cycles", tags=["cycles"])

YearPath = Annotated[int, Path(ge=1967, le=9999, description="The cycle's year.")]
StepPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=ONE_LINE, description="A step of the plan.")
]
Shepherd = Annotated[Actor, Depends(allow("start a cycle", "shepherd"))]
Reader = Annotated[Actor, Depends(allow("read a cycle's status", *STAFF, any_nr=True))]
ChairTeam = Annotated[Actor, Depends(allow("decide on a cycle", "chair_team"))]
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 422, 503)
# 400: a body that is not even text (FastAPI's "error parsing the body").
BODY_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422, 503)


def recorded(result: UpdateResult) -> Recorded:
    return Recorded(recorded=list(result.recorded))


@router.post(
    "", status_code=201, response_model=CycleStarted,
    responses=problem_responses(400, 401, 403, 409, 422, 503),
)  # fmt: skip
async def start_cycle(body: StartCycle, actor: Shepherd, context: Context) -> CycleStarted:
    """Start the year's cycle (workflow ``ascn-cycle-<year>``). Shepherd only."""
    run_id = await context.gateway.start_cycle(body.year, body.template, actor)
    return CycleStarted(
        year=body.year, workflow_id=workflow_id(body.year), run_id=run_id,
        template=body.template, started_by=actor.label,
    )  # fmt: skip


@router.get(
    "/{year}", response_model=CycleStatusView, responses=problem_responses(401, 403, 404, 422)
)
def cycle_status(year: YearPath, _: Reader, context: Context) -> CycleStatusView:
    """Where the year's cycle stands: its steps, deadlines and who is overdue, as the
    read models show it, and how many stored events they do not reflect yet (``behind``)."""
    status = context.status.cycle_status(year)
    if status is None:
        raise HTTPException(404, f"no cycle is known for {year}")
    return status


@router.post("/{year}/steps/{step}/approve", response_model=Recorded, responses=WRITE_PROBLEMS)
async def approve_step(
    year: YearPath, step: StepPath, actor: ChairTeam, context: Context
) -> Recorded:
    update = ApproveStepUpdate(actor=actor, step=step)
    return recorded(await context.gateway.approve_step(year, update))


@router.post("/{year}/steps/{step}/extend", response_model=Recorded, responses=BODY_PROBLEMS)
async def extend_deadline(
    year: YearPath, step: StepPath, body: Extension, actor: ChairTeam, context: Context
) -> Recorded:
    update = ExtendDeadlineUpdate(
        actor=actor, step=step, new_deadline=body.new_deadline, reason=body.reason
    )
    return recorded(await context.gateway.extend_deadline(year, update))


@router.post("/{year}/steps/{step}/waive", response_model=Recorded, responses=BODY_PROBLEMS)
async def waive_step(
    year: YearPath, step: StepPath, body: Waiver, actor: ChairTeam, context: Context
) -> Recorded:
    update = WaiveStepUpdate(actor=actor, step=step, reason=body.reason)
    return recorded(await context.gateway.waive_step(year, update))


@router.post("/{year}/exceptions", response_model=Recorded, responses=BODY_PROBLEMS)
async def grant_exception(
    year: YearPath, body: ExceptionGrant, actor: ChairTeam, context: Context
) -> Recorded:
    """Let one member state break one nomination rule this year (e.g. a fourth city)."""
    update = GrantExceptionUpdate(
        actor=actor, member_state=body.member_state, exception_id=body.exception_id,
        rule=body.rule, max_cities=body.max_cities, reason=body.reason,
    )  # fmt: skip
    return recorded(await context.gateway.grant_exception(year, update))
