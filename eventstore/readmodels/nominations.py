"""The accepted nominations, per year and member state, projected from the event store."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.engine import Connection

from domain.events import (
    ExceptionGranted,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
)
from eventstore.codec import to_domain
from eventstore.readmodels.schema import exceptions, nominations
from eventstore.records import RecordedEvent

HANDLED = {
    "NominationsSubmitted",
    "NilReturnDeclared",
    "LateSubmissionRecorded",
    "ExceptionGranted",
}


class GrantedException(BaseModel):
    model_config = ConfigDict(frozen=True)

    exception_id: str
    rule: str
    max_cities: int | None
    reason: str
    granted_by: str


class AcceptedNomination(BaseModel):
    """One city of a member state's accepted nominations for a year."""

    model_config = ConfigDict(frozen=True)

    year: int
    member_state: str
    city: str
    capital: bool
    csco_name: str
    csco_email: str
    nr_name: str
    nr_email: str
    late: bool
    carried_forward_from: int | None
    exceptions: tuple[GrantedException, ...]


class NominationsProjection:
    name = "nominations"

    def apply(self, conn: Connection, event: RecordedEvent) -> None:
        if event.type not in HANDLED:
            return
        fact = to_domain(event)
        if isinstance(fact, NominationsSubmitted):
            _replace(conn, fact, event.position)
        elif isinstance(fact, NilReturnDeclared):
            _carry_forward(conn, fact, event.position)
        elif isinstance(fact, LateSubmissionRecorded):
            conn.execute(
                update(nominations).where(_year_of(fact.year, fact.member_state)).values(late=True)
            )
        elif isinstance(fact, ExceptionGranted):
            conn.execute(
                insert(exceptions).values(
                    member_state=fact.member_state,
                    exception_id=fact.exception_id,
                    year=fact.year,
                    rule=fact.rule,
                    max_cities=fact.max_cities,
                    reason=fact.reason,
                    granted_by=event.actor,
                    position=event.position,
                )
            )


def accepted_nominations(engine: Engine, year: int) -> list[AcceptedNomination]:
    with engine.connect() as conn:
        granted = {
            (row.member_state, row.exception_id): GrantedException(
                exception_id=row.exception_id,
                rule=row.rule,
                max_cities=row.max_cities,
                reason=row.reason,
                granted_by=row.granted_by,
            )
            for row in conn.execute(select(exceptions).where(exceptions.c.year == year))
        }
        rows = conn.execute(
            select(nominations)
            .where(nominations.c.year == year)
            .order_by(nominations.c.member_state, nominations.c.city)
        )
        return [
            AcceptedNomination(
                **{
                    k: v for k, v in row._asdict().items() if k not in ("exception_ids", "position")
                },
                exceptions=tuple(granted[(row.member_state, i)] for i in row.exception_ids),
            )
            for row in rows
        ]


def _year_of(year: int, member_state: str) -> Any:
    return and_(nominations.c.year == year, nominations.c.member_state == member_state)


def _replace(conn: Connection, fact: NominationsSubmitted, position: int) -> None:
    conn.execute(delete(nominations).where(_year_of(fact.year, fact.member_state)))
    nr = fact.national_representative
    conn.execute(
        insert(nominations),
        [
            {
                "year": fact.year,
                "member_state": fact.member_state,
                "city": city.city,
                "capital": city.capital,
                "csco_name": city.csco.name,
                "csco_email": city.csco.email,
                "nr_name": nr.name,
                "nr_email": nr.email,
                "exception_ids": list(fact.exceptions_applied),
                "late": False,
                "carried_forward_from": None,
                "position": position,
            }
            for city in fact.cities
        ],
    )


def _carry_forward(conn: Connection, fact: NilReturnDeclared, position: int) -> None:
    conn.execute(delete(nominations).where(_year_of(fact.year, fact.member_state)))
    earlier = conn.execute(
        select(nominations).where(_year_of(fact.carried_forward_from, fact.member_state))
    ).all()
    if not earlier:
        return
    conn.execute(
        insert(nominations),
        [
            {
                **row._asdict(),
                "year": fact.year,
                "late": False,
                "carried_forward_from": row.carried_forward_from or fact.carried_forward_from,
                "position": position,
            }
            for row in earlier
        ],
    )
