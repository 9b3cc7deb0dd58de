"""The accepted nominations, per year and member state, projected from the event store.

The latest submission of a member state and year replaces the earlier; a nil
return carries the earlier year's list forward; a late submission is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, and_, select
from sqlalchemy.engine import Connection

from domain.events import (
    DomainEvent,
    ExceptionGranted,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
)
from eventstore.codec import to_domain
from eventstore.engine import reading
from eventstore.lag import ReadLag, read_lag
from eventstore.readmodels import bulk
from eventstore.readmodels.handlers import Handler, on
from eventstore.readmodels.rows import Row, TableRows
from eventstore.readmodels.schema import exceptions, nominations
from eventstore.records import RecordedEvent

NAME = "nominations"


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


class Batch:
    """The nominations of the (year, member state) pairs one batch names, in memory."""

    def __init__(self, conn: Connection, facts: Sequence[DomainEvent]) -> None:
        years: set[int] = set()
        member_states: set[str] = set()
        for fact in facts:
            if isinstance(fact, NominationsSubmitted | NilReturnDeclared | LateSubmissionRecorded):
                years.add(fact.year)
                member_states.add(fact.member_state)
            if isinstance(fact, NilReturnDeclared):
                years.add(fact.carried_forward_from)
        self.nominations = TableRows(nominations)
        if years:
            self.nominations.load(
                conn,
                and_(
                    nominations.c.year.in_(sorted(years)),
                    nominations.c.member_state.in_(sorted(member_states)),
                ),
            )
        self.exceptions: list[Row] = []

    def of(self, year: int, member_state: str) -> list[Row]:
        return self.nominations.prefixed(year, member_state)

    def clear(self, year: int, member_state: str) -> None:
        for row in self.of(year, member_state):
            self.nominations.remove(year, member_state, row["city"])

    def flush(self, conn: Connection) -> None:
        self.nominations.flush(conn)
        if self.exceptions:
            bulk.insert_rows(conn, exceptions, self.exceptions)


def _submitted(batch: Batch, fact: NominationsSubmitted, event: RecordedEvent) -> None:
    batch.clear(fact.year, fact.member_state)
    nr = fact.national_representative
    for city in fact.cities:
        batch.nominations.put(
            {
                "year": fact.year, "member_state": fact.member_state, "city": city.city,
                "capital": city.capital, "csco_name": city.csco.name,
                "csco_email": city.csco.email, "nr_name": nr.name, "nr_email": nr.email,
                "exception_ids": list(fact.exceptions_applied), "late": False,
                "carried_forward_from": None, "position": event.position,
            }
        )  # fmt: skip


def _nil_return(batch: Batch, fact: NilReturnDeclared, event: RecordedEvent) -> None:
    batch.clear(fact.year, fact.member_state)
    for row in batch.of(fact.carried_forward_from, fact.member_state):
        batch.nominations.put(
            {
                **row, "exception_ids": list(row["exception_ids"]), "year": fact.year,
                "late": False, "position": event.position,
                "carried_forward_from": row["carried_forward_from"] or fact.carried_forward_from,
            }
        )  # fmt: skip


def _late(batch: Batch, fact: LateSubmissionRecorded, _event: RecordedEvent) -> None:
    for row in batch.of(fact.year, fact.member_state):
        row["late"] = True


def _exception(batch: Batch, fact: ExceptionGranted, event: RecordedEvent) -> None:
    batch.exceptions.append(
        {
            "member_state": fact.member_state, "exception_id": fact.exception_id,
            "year": fact.year, "rule": fact.rule, "max_cities": fact.max_cities,
            "reason": fact.reason, "granted_by": event.actor, "position": event.position,
        }
    )  # fmt: skip


HANDLERS: dict[str, Handler[Batch]] = dict(
    [
        on(NominationsSubmitted, _submitted),
        on(NilReturnDeclared, _nil_return),
        on(LateSubmissionRecorded, _late),
        on(ExceptionGranted, _exception),
    ]
)


class NominationsProjection:
    name = NAME
    event_types: frozenset[str] | None = frozenset(HANDLERS)

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        facts = [to_domain(event) for event in events]
        batch = Batch(conn, facts)
        for fact, event in zip(facts, events, strict=True):
            HANDLERS[event.type](batch, fact, event)
        batch.flush(conn)


def accepted_nominations(engine: Engine, year: int) -> list[AcceptedNomination]:
    with reading(engine) as conn:
        return _accepted(conn, year)


def accepted_nominations_and_lag(
    engine: Engine, year: int
) -> tuple[list[AcceptedNomination], ReadLag]:
    """The year's accepted nominations and the lag of their read model, from one snapshot."""
    with reading(engine) as conn:
        return _accepted(conn, year), read_lag(conn, [NAME])


def _accepted(conn: Connection, year: int) -> list[AcceptedNomination]:
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
            **{k: v for k, v in row._asdict().items() if k not in ("exception_ids", "position")},
            exceptions=tuple(granted[(row.member_state, i)] for i in row.exception_ids),
        )
        for row in rows
    ]
