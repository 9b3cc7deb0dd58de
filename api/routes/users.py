"""Users and their tokens; admin only, all through ``services.users``.

A token is shown once, in the response that issues it (which no cache may keep); after
that it is known by its ``token_id``, by which it is revoked or rotated.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel

from api.auth import current_actor, may
from api.context import Context
from api.models import NewUser, TokenInfoOut, TokenOut, UserOut
from api.problems import problem_responses
from domain.access import Action
from domain.actors import Actor
from domain.events.users import TOKEN_ID_PATTERN
from services import users
from services.users import IssuedToken, TokenInfo, UserInfo

router = APIRouter(prefix="/v1", tags=["users"])

Admin = Annotated[Actor, Depends(may(Action.MANAGE_USERS))]
Name = Annotated[str, Path(min_length=1, max_length=150, description="The user's name.")]
TokenIdPath = Annotated[
    str, Path(pattern=TOKEN_ID_PATTERN, description="The token's id, e.g. tok_0123456789ab.")
]
SHOWN_ONCE = {"Cache-Control": "no-store"}


@router.post(
    "/users", status_code=201, response_model=UserOut,
    responses=problem_responses(400, 401, 403, 409, 422),
)  # fmt: skip
def add_user(body: NewUser, actor: Admin, context: Context) -> UserOut:
    command = users.AddUser(name=body.name, role=body.role)
    return user_out(users.add_user(context.users, command, actor))


@router.get("/users", response_model=list[UserOut], responses=problem_responses(401, 403))
def list_users(actor: Admin, context: Context) -> list[UserOut]:
    """Every user with their tokens' ids, creation, expiry and revocation times."""
    return [user_out(user) for user in users.list_users(context.users, users.ListUsers(), actor)]


@router.post(
    "/users/{name}/disable", response_model=UserOut,
    responses=problem_responses(401, 403, 404, 422),
)  # fmt: skip
def disable_user(name: Name, actor: Admin, context: Context) -> UserOut:
    """The user's tokens stop working until the user is enabled again."""
    return user_out(users.disable_user(context.users, users.DisableUser(name=name), actor))


@router.post(
    "/users/{name}/enable", response_model=UserOut,
    responses=problem_responses(401, 403, 404, 422),
)  # fmt: skip
def enable_user(name: Name, actor: Admin, context: Context) -> UserOut:
    return user_out(users.enable_user(context.users, users.EnableUser(name=name), actor))


@router.post(
    "/users/{name}/tokens", status_code=201, response_model=TokenOut,
    responses=problem_responses(401, 403, 404, 422),
)  # fmt: skip
def add_token(name: Name, actor: Admin, context: Context, response: Response) -> TokenOut:
    """A new token for the user, shown this once; it expires after the configured days."""
    issued = users.issue_token(context.users, users.IssueToken(name=name), actor)
    response.headers.update(SHOWN_ONCE)
    return token_out(issued)


@router.post(
    "/tokens/{token_id}/revoke", response_model=TokenInfoOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)  # fmt: skip
def revoke_token(token_id: TokenIdPath, actor: Admin, context: Context) -> TokenInfoOut:
    command = users.RevokeToken(token_id=token_id)
    return token_info_out(users.revoke_token(context.users, command, actor))


@router.post(
    "/tokens/{token_id}/rotate", status_code=201, response_model=TokenOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)  # fmt: skip
def rotate_token(
    token_id: TokenIdPath, actor: Admin, context: Context, response: Response
) -> TokenOut:
    """A new token for the same user, and this one revoked, in one step."""
    issued = users.rotate_token(context.users, users.RotateToken(token_id=token_id), actor)
    response.headers.update(SHOWN_ONCE)
    return token_out(issued)


def user_out(user: UserInfo) -> UserOut:
    return UserOut(
        name=user.name, role=user.role, created_at=user.created_at, disabled=user.disabled,
        tokens=[token_info_out(token) for token in user.tokens],
    )  # fmt: skip


def token_info_out(token: TokenInfo) -> TokenInfoOut:
    return TokenInfoOut(
        token_id=token.token_id, created_at=token.created_at,
        expires_at=token.expires_at, revoked_at=token.revoked_at,
    )  # fmt: skip


def token_out(issued: IssuedToken) -> TokenOut:
    return TokenOut(
        token=issued.token, token_id=issued.token_id, expires_at=issued.expires_at,
        name=issued.name, role=issued.role,
    )  # fmt: skip


class Me(BaseModel):
    name: str
    role: str
    label: str


me_router = APIRouter(prefix="/v1", tags=["users"])


@me_router.get("/me", response_model=Me, responses=problem_responses(401))
def who_am_i(actor: Annotated[Actor, Depends(current_actor)]) -> Me:
    """Who this token acts as (what `ascn login` shows)."""
    return Me(name=actor.id, role=actor.role, label=actor.label)
