"""Users and their tokens; admin only. A token is shown once, in the response."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel

from api.auth import current_actor, may
from api.context import Context
from api.models import NewUser, TokenOut, UserOut
from api.problems import problem_responses
from api.users import UnknownUser, create_user, find_user, issue_token
from domain.access import Action
from domain.actors import Actor

router = APIRouter(prefix="/v1/users", tags=["users"])

Admin = Annotated[Actor, Depends(may(Action.MANAGE_USERS))]


@router.post(
    "",
    status_code=201,
    response_model=UserOut,
    responses=problem_responses(400, 401, 403, 409, 422),
)
def add_user(body: NewUser, _: Admin, context: Context) -> UserOut:
    user = create_user(context.engine, body.name, body.role, clock=context.clock)
    return UserOut(name=user.name, role=user.role, created_at=user.created_at, disabled=False)


@router.post(
    "/{name}/tokens",
    status_code=201,
    response_model=TokenOut,
    responses=problem_responses(401, 403, 404, 422),
)
def add_token(
    name: Annotated[str, Path(min_length=1, max_length=150)],
    _: Admin,
    context: Context,
    response: Response,
) -> TokenOut:
    user = find_user(context.engine, name) if name.isprintable() else None
    if user is None:
        raise UnknownUser(f"no user named {name!r}")
    token = issue_token(context.engine, user, clock=context.clock)
    response.headers["Cache-Control"] = "no-store"
    return TokenOut(token=token, name=user.name, role=user.role)


class Me(BaseModel):
    name: str
    role: str
    label: str


me_router = APIRouter(prefix="/v1", tags=["users"])


@me_router.get("/me", response_model=Me, responses=problem_responses(401))
def who_am_i(actor: Annotated[Actor, Depends(current_actor)]) -> Me:
    """Who this token acts as (what `ascn login` shows)."""
    return Me(name=actor.id, role=actor.role, label=actor.label)
