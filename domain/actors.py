"""Who does something: an id and a role.

The label ``role/id`` (e.g. ``nr:MY/aziz``) is what the event store keeps as an
event's actor. Whether the AMS of an ``nr:<AMS>`` role is known is checked by the
rules against ReferenceData, not here.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain.errors import InvalidActor
from domain.values import line_of

FIXED_ROLES = ("admin", "asec", "system")
"""The roles that act for no member state: admin, ASEC (with its IMD), the engine."""
SCOPED_KINDS = ("nr", "shepherd", "chair_team")
"""``<kind>:<AMS>``: the NR of an AMS, the shepherd AMS, the Chair's team of an AMS."""
LEGACY_ROLES = ("shepherd", "chair_team")
"""Roles without a member state, as facts recorded before roles named one carry them.
They still read back; the access policy grants them nothing."""
Kind = Literal["nr", "shepherd", "chair_team", "admin", "asec", "system", "csco"]

NR_PREFIX = "nr:"
_SCOPED_ROLE = re.compile(r"^(nr|shepherd|chair_team):[A-Z]{2}$")
# The CSCO of a member city: ``csco:<city-id>`` (``csco:KH-siem-reap``, domain.plans).
CSCO_PREFIX = "csco:"
_CSCO_ROLE = re.compile(r"^csco:[A-Z]{2}-[a-z0-9]+(-[a-z0-9]+){0,15}$")


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
        if value in FIXED_ROLES or value in LEGACY_ROLES or _SCOPED_ROLE.fullmatch(value):
            return value
        if _CSCO_ROLE.fullmatch(value):
            return value
        roles = ", ".join(FIXED_ROLES)
        raise ValueError(
            f"unknown role {value!r}; expected one of {roles}, nr:<AMS>, shepherd:<AMS> "
            "chair_team:<AMS> or csco:<city-id> (AMS: a member state's two-letter code; city-id: "
            "e.g. KH-siem-reap)"
        )

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
            raise InvalidActor(f"actor label {label!r} is invalid: {line_of(exc)}") from exc

    @classmethod
    def chair_team(cls, member_state: str, id: str) -> Actor:
        """A member of the Chair's team of ``member_state`` (it acts in its Chair years)."""
        return cls(id=id, role=f"chair_team:{member_state}")

    @classmethod
    def shepherd(cls, member_state: str, id: str) -> Actor:
        return cls(id=id, role=f"shepherd:{member_state}")

    @property
    def kind(self) -> Kind:
        kind = self.role.partition(":")[0]
        assert kind in ("nr", "shepherd", "chair_team", "admin", "asec", "system", "csco")
        return kind  # type: ignore[return-value]

    @property
    def member_state(self) -> str | None:
        """The AMS an NR, a shepherd or a Chair's team acts for; None for other roles."""
        kind, sep, code = self.role.partition(":")
        return code if sep and kind in SCOPED_KINDS else None

    @property
    def city(self) -> str | None:
        """The city id a CSCO acts for; None for other roles."""
        return self.role.removeprefix(CSCO_PREFIX) if self.kind == "csco" else None

    @property
    def is_legacy(self) -> bool:
        return self.role in LEGACY_ROLES

    def is_nr_of(self, code: str) -> bool:
        return self.kind == "nr" and self.member_state == code

    @property
    def label(self) -> str:
        return f"{self.role}/{self.id}"

    def __str__(self) -> str:
        return self.label
