"""Small builders shared by the unit tests (plain functions, so hypothesis can use them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from domain.actors import Actor
from domain.commands import DeclareNilReturn, GrantException, NominatedCity, SubmitNominations
from domain.events import DomainEvent, ExceptionRule, NominationsSubmitted, Person
from domain.ledger import NominationLedger
from domain.reference import ReferenceData

REFERENCE = ReferenceData.load()
DEADLINE = datetime(2018, 2, 28, 23, 59, tzinfo=UTC)
ON_TIME = datetime(2018, 2, 20, 9, 30, tzinfo=UTC)
LATE = datetime(2018, 3, 5, 10, 0, tzinfo=UTC)
CHAIR_TEAM = Actor(id="alice", role="chair_team:SG")


def nr(code: str, id: str = "nr-1") -> Actor:
    return Actor(id=id, role=f"nr:{code}")


def person(name: str) -> Person:
    local = name.lower().replace(" ", ".")
    return Person(name=name, email=f"{local}@example.org")


def submit(
    code: str,
    cities: Sequence[str],
    *,
    year: int = 2018,
    at: datetime = ON_TIME,
    deadline: datetime = DEADLINE,
    by: Actor | None = None,
) -> SubmitNominations:
    return SubmitNominations(
        year=year,
        member_state=code,
        submitted_by=by or nr(code),
        submitted_at=at,
        deadline=deadline,
        national_representative=person(f"NR of {code}"),
        cities=tuple(NominatedCity(city=c, csco=person(f"CSCO {c.strip()}")) for c in cities),
    )


def nil_return(
    code: str,
    *,
    year: int = 2019,
    at: datetime = ON_TIME,
    deadline: datetime = DEADLINE,
    by: Actor | None = None,
) -> DeclareNilReturn:
    return DeclareNilReturn(
        year=year,
        member_state=code,
        submitted_by=by or nr(code),
        submitted_at=at.replace(year=year),
        deadline=deadline.replace(year=year),
    )


def grant(
    code: str,
    rule: ExceptionRule,
    max_cities: int | None,
    *,
    year: int = 2018,
    exception_id: str = "exc-1",
    reason: str = "agreed by the Chair's team",
    by: Actor = CHAIR_TEAM,
) -> GrantException:
    return GrantException(
        year=year,
        member_state=code,
        granted_by=by,
        exception_id=exception_id,
        rule=rule,
        max_cities=max_cities,
        reason=reason,
    )


def empty(code: str) -> NominationLedger:
    return NominationLedger.empty(code)


def only_submission(events: list[DomainEvent]) -> NominationsSubmitted:
    """The single NominationsSubmitted of an on-time submission."""
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, NominationsSubmitted)
    return event


def raw_reference() -> dict[str, Any]:
    """The packaged reference file as plain JSON data, to corrupt or change in tests."""
    text = resources.files("domain").joinpath("data/reference.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
