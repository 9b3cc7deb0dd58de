"""Who may be an API user: a name that is a slug, and a person's role.

A name is a URL path segment (``/v1/users/{name}``) and an actor id; before this
rule ``a/b`` could be added and then never be given a token over the API.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationError

from domain.actors import Actor
from domain.errors import UnknownCity, UnknownMemberState
from domain.plans import city_by_id
from domain.reference import ReferenceData

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


def check_name(name: str) -> str:
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValueError(
            f"{name!r} is not a valid user name: it must match {NAME_PATTERN} (lower-case "
            "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64)"
        )
    return name


PERSON_ROLES = (
    "admin, asec, nr:<AMS>, shepherd:<AMS>, chair_team:<AMS> or csco:<city-id> (AMS: a "
    "member state's two-letter code; city-id: e.g. KH-siem-reap)"
)
"""The roles a person may hold (``system`` is the engine's own)."""


def check_role(role: str) -> str:
    """A role a person can hold: an actor's role, not the engine's, its AMS known."""
    if role == "system":
        raise ValueError(f"role 'system' is the engine's own; people act as {PERSON_ROLES}")
    try:
        actor = Actor(id="someone", role=role)
    except ValidationError:
        raise ValueError(f"unknown role {role!r}; expected one of {PERSON_ROLES}") from None
    if actor.is_legacy:
        raise ValueError(
            f"role {role!r} must name its member state: {role}:<AMS> (the shepherd AMS, or "
            "the AMS whose Chair's team it is)"
        )
    if actor.city is not None:
        try:
            city_by_id(ReferenceData.load(), actor.city)
        except UnknownCity as error:
            raise ValueError(str(error)) from None
    if actor.member_state is not None:
        try:
            ReferenceData.load().member_state(actor.member_state)
        except UnknownMemberState as error:
            raise ValueError(str(error)) from None
    return role


UserName = Annotated[str, AfterValidator(check_name)]
Role = Annotated[str, AfterValidator(check_role)]
KnownName = Annotated[str, Field(min_length=1, max_length=150)]
"""The name of a user on record, who may predate the slug rule (at most an actor id)."""
