"""Small constrained types shared by reference data, events and commands."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, ValidationError

MAX_CITIES_PER_MEMBER_STATE = 3
"""The concept note's rule: up to three cities per AMS, its capital among them."""
MAX_CITIES_UNDER_EXCEPTION = 50
"""The most cities an exception may allow (what one submission may carry)."""

NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A string that is not empty once surrounding whitespace is stripped."""

MemberStateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""An ISO 3166-1 alpha-2 code such as ``MY``. Whether it is known is for ReferenceData."""

FIRST_YEAR, LAST_YEAR = 1967, 9999
"""The years a cycle may be of: ASEAN was founded in 1967; four digits."""
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
"""A calendar year; ASEAN was founded in 1967."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address (expected something like a@b)")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_email)]
"""An e-mail address, checked only for the shape ``a@b``."""


def canonical_key(name: str) -> str:
    """How names are compared: case-insensitive, surrounding whitespace ignored."""
    return name.strip().casefold()


def line_of(error: ValidationError) -> str:
    """A validation error as one line: each problem, prefixed by where it is."""
    problems = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in item["loc"])
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)
