"""Action plans, IMD's assessments, external partners, twinning pairs and the annual
meetings' outcomes: each write goes through ``services.records``; each read comes from
the read models (``Ascn-Behind`` counts the stored events they do not reflect yet)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel

from api.auth import may
from api.context import ApiContext, Context
from api.idempotency import Idempotent, Once
from api.problems import problem_responses
from api.status import lag_headers
from domain.access import Action
from domain.actors import Actor
from domain.events.records import FIRST_YEAR, LAST_YEAR
from domain.monitoring import AssessProject, ExplainNotAssessed
from domain.partners import AddPartner, PairCity, RecordMeetingOutcome, RecordTwinningException
from domain.plans import ActionPlan
from eventstore.lag import ReadLag
from eventstore.readmodels.records import (
    MeetingOutcome,
    PartnerRow,
    PlanSummary,
    PlanVersion,
    ProjectProgress,
    ReadModelMonitoring,
    TwinningPair,
    latest_plans,
    outcomes_of,
    partner_list,
    plan_versions_of,
    project_progress,
    twinning_pairs,
)
from services import records
from services.records import RecordOutcome, RecordsDeps

router = APIRouter(prefix="/v1", tags=["plans and partners"])
C = TypeVar("C", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)

Submitter = Annotated[Actor, Depends(may(Action.SUBMIT_PLAN))]
Assessor = Annotated[Actor, Depends(may(Action.ASSESS_PROJECT))]
ChairTeam = Annotated[Actor, Depends(may(Action.RECORD_PARTNERSHIPS))]
Reader = Annotated[Actor, Depends(may(Action.READ_RECORDS))]
CityPath = Annotated[
    str,
    Path(pattern=r"^[A-Z]{2}-[a-z0-9]+(-[a-z0-9]+){0,15}$", max_length=120,
         description="A member city: its AMS and its name as a slug (KH-siem-reap)."),
]  # fmt: skip
YearPath = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="The year.")]
WRITE_PROBLEMS = problem_responses(400, 401, 403, 409, 422, 503)
READ_PROBLEMS = problem_responses(401, 403, 422)


class RecordedIn(BaseModel):
    stream: str
    """The stream the facts went to (``plan-<city-id>``, ``monitoring-<year>``, ...)."""
    recorded: list[str]
    """The types of the events recorded, in order."""


async def _record(
    use_case: Callable[[C, Actor, RecordsDeps, str | None], Awaitable[RecordOutcome]],
    body: C, actor: Actor, context: ApiContext, once: Once,
) -> RecordedIn | Response:  # fmt: skip
    """Every write route: the use case, once per Idempotency-Key, answering where it
    recorded what."""

    async def run() -> RecordedIn:
        done = await use_case(body, actor, context.records_deps, once.key)
        return RecordedIn(stream=done.stream, recorded=list(done.recorded))

    return await once(actor, body, run)


def _with_lag(response: Response, read: tuple[list[R], ReadLag]) -> list[R]:
    """Every read route: the rows read, and in ``Ascn-*`` headers how far behind the
    store the read models were."""
    rows, lag = read
    response.headers.update(lag_headers(lag))
    return rows


@router.post("/plans", response_model=RecordedIn, responses=WRITE_PROBLEMS)
async def submit_plan(
    body: ActionPlan, actor: Submitter, context: Context, once: Idempotent
) -> RecordedIn | Response:
    """A city's action plan, by its CSCO or the NR of its member state: the first
    version, or a revision (a new version; the earlier ones are kept)."""
    return await _record(records.submit_plan, body, actor, context, once)


@router.get("/plans", response_model=list[PlanSummary], responses=READ_PROBLEMS)
def list_plans(_: Reader, context: Context, response: Response) -> list[PlanSummary]:
    """Each city's latest plan: its version, period and number of projects."""
    return _with_lag(response, latest_plans(context.engine))


@router.get("/plans/{city_id}", response_model=list[PlanVersion], responses=READ_PROBLEMS)
def plan_of(
    city_id: CityPath, _: Reader, context: Context, response: Response
) -> list[PlanVersion]:
    """Every version of the city's plan, the first first (none yet: an empty list)."""
    return _with_lag(response, plan_versions_of(context.engine, city_id))


@router.post("/assessments", response_model=RecordedIn, responses=WRITE_PROBLEMS)
async def assess_project(
    body: AssessProject, actor: Assessor, context: Context, once: Idempotent
) -> RecordedIn | Response:
    """IMD's assessment of a project for a year (ASEC). A second one for the same project
    and year is a revision: both are kept, the latest counts."""
    return await _record(records.assess_project, body, actor, context, once)


@router.post("/not-assessed", response_model=RecordedIn, responses=WRITE_PROBLEMS)
async def explain_not_assessed(
    body: ExplainNotAssessed, actor: Assessor, context: Context, once: Idempotent
) -> RecordedIn | Response:
    """Why a project is not assessed for a year (ASEC)."""
    return await _record(records.explain_not_assessed, body, actor, context, once)


@router.get("/projects/{year}", response_model=list[ProjectProgress], responses=READ_PROBLEMS)
def projects_of(
    year: YearPath, _: Reader, context: Context, response: Response
) -> list[ProjectProgress]:
    """The projects of each city's latest plan whose period covers the year, each with
    IMD's latest assessment for that year or the reason it is not assessed."""
    return _with_lag(response, project_progress(context.engine, year))


@router.get("/projects/{year}/unassessed", response_model=list[str], responses=READ_PROBLEMS)
def unassessed(year: YearPath, _: Reader, context: Context) -> list[str]:
    """The active projects of the year (``<city-id>/<project-id>``) with neither an
    assessment nor a recorded reason: what the progress review still waits for."""
    return ReadModelMonitoring(context.engine).unassessed_projects(year)


@router.post("/partners", response_model=RecordedIn, responses=WRITE_PROBLEMS)
async def add_partner(
    body: AddPartner, actor: ChairTeam, context: Context, once: Idempotent
) -> RecordedIn | Response:
    """An external partner joins the list (the Chair's team of the year's Chair)."""
    return await _record(records.add_partner, body, actor, context, once)


@router.get("/partners", response_model=list[PartnerRow], responses=READ_PROBLEMS)
def list_partners(_: Reader, context: Context, response: Response) -> list[PartnerRow]:
    """The external partners, in the order they joined the list."""
    return _with_lag(response, partner_list(context.engine))


@router.post("/twinning", response_model=RecordedIn, responses=WRITE_PROBLEMS)
async def pair_city(
    body: PairCity, actor: ChairTeam, context: Context, once: Idempotent
) -> RecordedIn | Response:
    """A city pairs with an external partner from a start to an end: one partner at a
    time, unless the pair names an exception recorded for the city."""
    return await _record(records.pair_city, body, actor, context, once)


@router.post("/twinning/exceptions", response_model=RecordedIn, responses=WRITE_PROBLEMS)
async def record_twinning_exception(
    body: RecordTwinningException, actor: ChairTeam, context: Context, once: Idempotent
) -> RecordedIn | Response:
    """The Chair's team lets a city pair with one more partner at a time."""
    return await _record(records.record_twinning_exception, body, actor, context, once)


@router.get("/twinning", response_model=list[TwinningPair], responses=READ_PROBLEMS)
def list_twinning(_: Reader, context: Context, response: Response) -> list[TwinningPair]:
    """Every twinning pair, by city and start."""
    return _with_lag(response, twinning_pairs(context.engine))


@router.post("/meeting-outcomes", response_model=RecordedIn, responses=WRITE_PROBLEMS)
async def record_meeting_outcome(
    body: RecordMeetingOutcome, actor: ChairTeam, context: Context, once: Idempotent
) -> RecordedIn | Response:
    """The annual meeting's outcome: the partners it brought in, and the projects
    launched with partners."""
    return await _record(records.record_meeting_outcome, body, actor, context, once)


@router.get(
    "/meeting-outcomes/{year}", response_model=list[MeetingOutcome], responses=READ_PROBLEMS
)
def meeting_outcomes(
    year: YearPath, _: Reader, context: Context, response: Response
) -> list[MeetingOutcome]:
    """The projects launched with partners at the year's annual meeting."""
    return _with_lag(response, outcomes_of(context.engine, year))
