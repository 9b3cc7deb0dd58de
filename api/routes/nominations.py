"""Nominations and nil returns (each NR for their own AMS), and the accepted list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.auth import may
from api.context import Context
from api.idempotency import Idempotent
from api.models import NilReturn, Nominations, Recorded
from api.problems import problem_responses
from api.routes.cycles import BODY_PROBLEMS, YearPath, recorded
from api.status import known_cycle, lag_headers
from domain.access import Action, reads_every_member_state
from domain.actors import Actor
from eventstore.readmodels.nominations import AcceptedNomination, accepted_nominations_and_lag
from services import cycles
from services.commands import FileNilReturn, Nominate

router = APIRouter(prefix="/v1/cycles/{year}", tags=["nominations"])

NR = Annotated[Actor, Depends(may(Action.SUBMIT_NOMINATIONS))]
NilReturner = Annotated[Actor, Depends(may(Action.DECLARE_NIL_RETURN))]
Reader = Annotated[Actor, Depends(may(Action.READ_NOMINATIONS))]


@router.post("/nominations", response_model=Recorded, responses=BODY_PROBLEMS)
async def submit_nominations(
    year: YearPath, body: Nominations, actor: NR, context: Context, once: Idempotent
) -> Recorded | Response:
    """The NR's cities and CSCOs for their member state; the latest submission counts."""
    command = Nominate(
        year=year,
        member_state=body.member_state,
        national_representative=body.national_representative.domain(),
        cities=tuple(city.domain() for city in body.cities),
        request_id=once.key,
    )
    return await once(
        actor, body, lambda: recorded(cycles.nominate(command, actor, context.cycles))
    )


@router.post("/nil-returns", response_model=Recorded, responses=BODY_PROBLEMS)
async def declare_nil_return(
    year: YearPath, body: NilReturn, actor: NilReturner, context: Context, once: Idempotent
) -> Recorded | Response:
    """A nil return ("no change"): the last accepted nominations carry forward."""
    command = FileNilReturn(year=year, member_state=body.member_state, request_id=once.key)
    return await once(
        actor, body, lambda: recorded(cycles.file_nil_return(command, actor, context.cycles))
    )


@router.get(
    "/nominations",
    response_model=list[AcceptedNomination],
    responses=problem_responses(401, 403, 404, 422),
)
def list_nominations(
    year: YearPath, actor: Reader, context: Context, response: Response
) -> list[AcceptedNomination]:
    """The year's accepted nominations; an NR sees only their own member state's. The
    ``Ascn-Behind`` header counts the stored events the list does not reflect yet."""
    known_cycle(context.status, year)  # a year with no cycle is a 404, not an empty list
    rows, lag = accepted_nominations_and_lag(context.engine, year)
    response.headers.update(lag_headers(lag))
    if reads_every_member_state(actor):
        return rows
    return [row for row in rows if row.member_state == actor.member_state]
