"""Who does something: an id and a role.

The label ``role/id`` (e.g. ``nr:MY/aziz``) is what the event store keeps as an
event's actor. Whether the AMS of an ``nr:<AMS>`` role is known is checked by the
rules against ReferenceData, not here.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain.errors import InvalidActor
from domain.values import describe

FIXED_ROLES = ("shepherd", "chair_team", "admin", "system")
"""The roles other than ``nr:<AMS>`` (the National Representative of an AMS)."""

NR_PREFIX = "nr:"
_NR_ROLE = re.compile(r"^nr:[A-Z]{2}$")


class Actor(BaseModel):
    """A person or the system, acting in one role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=150)
    role: str

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if value != value.strip() or not value.isprintable():
            raise ValueError(
                f"actor id {value!r} must be printable and not start or end with whitespace"
            )
        return value

    @field_validator("role")
    @classmethod
    def _role_shape(cls, value: str) -> str:
        if value in FIXED_ROLES or _NR_ROLE.fullmatch(value):
            return value
        roles = ", ".join(FIXED_ROLES)
        raise ValueError(f"unknown role {value!r}; expected one of {roles} or nr:<AMS code>")

    @classmethod
    def nr(cls, member_state: str, id: str) -> Actor:
        """The National Representative of ``member_state``."""
        return cls(id=id, role=f"{NR_PREFIX}{member_state}")

    @classmethod
    def parse(cls, label: str) -> Actor:
        """Read back a ``role/id`` label."""
        role, sep, id_ = label.partition("/")
        if not sep:
            raise InvalidActor(f"actor label {label!r} is not of the form role/id")
        try:
            return cls(id=id_, role=role)
        except ValidationError as exc:
            raise InvalidActor(f"actor label {label!r} is invalid: {describe(exc)}") from exc

    @property
    def member_state(self) -> str | None:
        """The AMS code of an NR, None for every other role."""
        if self.role.startswith(NR_PREFIX):
            return self.role.removeprefix(NR_PREFIX)
        return None

    @property
    def is_chair_team(self) -> bool:
        return self.role == "chair_team"

    def is_nr_of(self, code: str) -> bool:
        return self.member_state == code

    @property
    def label(self) -> str:
        return f"{self.role}/{self.id}"

    def __str__(self) -> str:
        return self.label
