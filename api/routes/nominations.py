"""Nominations and nil returns (each NR for their own AMS), and the accepted list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.auth import STAFF, allow, nr_of
from api.context import Context
from api.models import NilReturn, Nominations, Recorded
from api.problems import problem_responses
from api.routes.cycles import BODY_PROBLEMS, YearPath, recorded
from api.status import lag_headers
from domain.actors import Actor
from eventstore.readmodels.nominations import AcceptedNomination, accepted_nominations_and_lag
from workflows.messages import DeclareNilReturnUpdate, SubmitNominationsUpdate

router = APIRouter(prefix="/v1/cycles/{year}", tags=["nominations"])

NR = Annotated[Actor, Depends(allow("submit for a member state", any_nr=True))]
Reader = Annotated[Actor, Depends(allow("read nominations", *STAFF, any_nr=True))]


@router.post("/nominations", response_model=Recorded, responses=BODY_PROBLEMS)
async def submit_nominations(
    year: YearPath, body: Nominations, actor: NR, context: Context
) -> Recorded:
    """The NR's cities and CSCOs for their member state; the latest submission counts."""
    nr_of(actor, body.member_state, "submit nominations")
    update = SubmitNominationsUpdate(
        actor=actor,
        member_state=body.member_state,
        national_representative=body.national_representative.domain(),
        cities=tuple(city.domain() for city in body.cities),
        sent_at=body.sent_at or context.clock(),
    )
    return recorded(await context.gateway.submit_nominations(year, update))


@router.post("/nil-returns", response_model=Recorded, responses=BODY_PROBLEMS)
async def declare_nil_return(
    year: YearPath, body: NilReturn, actor: NR, context: Context
) -> Recorded:
    """A nil return ("no change"): the last accepted nominations carry forward."""
    nr_of(actor, body.member_state, "declare a nil return")
    update = DeclareNilReturnUpdate(
        actor=actor, member_state=body.member_state, sent_at=body.sent_at or context.clock()
    )
    return recorded(await context.gateway.declare_nil_return(year, update))


@router.get(
    "/nominations",
    response_model=list[AcceptedNomination],
    responses=problem_responses(401, 403, 422),
)
def list_nominations(
    year: YearPath, actor: Reader, context: Context, response: Response
) -> list[AcceptedNomination]:
    """The year's accepted nominations; an NR sees only their own member state's. The
    ``Ascn-Behind`` header counts the stored events the list does not reflect yet."""
    rows, lag = accepted_nominations_and_lag(context.engine, year)
    response.headers.update(lag_headers(lag))
    own = actor.member_state
    return rows if own is None else [row for row in rows if row.member_state == own]
