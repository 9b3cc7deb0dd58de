"""Every read model the application keeps, and the projector that keeps them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, Table, func, select

from domain.contacts import Contacts
from eventstore.ledger import Extender
from eventstore.projections import DEFAULT_BATCH_SIZE, Projection, reset
from eventstore.projector import Projector
from eventstore.readmodels import accounts
from eventstore.readmodels.cycles import CycleProjection
from eventstore.readmodels.nominations import NominationsProjection
from eventstore.readmodels.records import RecordsProjection
from eventstore.readmodels.records_tables import (
    assessments,
    meeting_outcomes,
    not_assessed,
    partners,
    plan_projects,
    plan_versions,
    twinning,
    twinning_exceptions,
)
from eventstore.readmodels.schema import cycles, exceptions, nominations, overdue, steps
from eventstore.schema import events
from mail.outbox import OutboxProjection

REBUILT_TABLES: dict[str, tuple[Table, ...]] = {
    NominationsProjection.name: (nominations, exceptions),
    CycleProjection.name: (overdue, steps, cycles),
    RecordsProjection.name: (
        plan_versions,
        plan_projects,
        assessments,
        not_assessed,
        partners,
        twinning,
        twinning_exceptions,
        meeting_outcomes,
    ),
}
"""The read models ``rebuild`` starts again from position 0, and the tables each fills.
The mail outbox is not among them: its rows say what was queued and sent, which the
events alone do not, and a rebuild must never queue a mail again."""


def all_projections(contacts: Contacts | None = None) -> list[Projection]:
    return [
        NominationsProjection(), CycleProjection(), OutboxProjection(contacts),
        RecordsProjection(),
    ]  # fmt: skip


def app_projector(engine: Engine, contacts: Contacts | None = None) -> Projector:
    """The read models, and after each pass the ledger's Merkle tree (off the append path)."""
    return Projector(engine, all_projections(contacts), after_pass=Extender(engine))


def catch_up_all(engine: Engine, contacts: Contacts | None = None) -> int:
    """One projector pass: every read model, the mail outbox and the ledger's tree up to
    the store's head.
    Returns the events passed over, summed over the projections."""
    return sum(app_projector(engine, contacts).run_once().values())


def stored_events(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def rebuild(
    engine: Engine,
    on_events: Callable[[int], None] | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, int]:
    """Every read model rebuilt from position 0: the users tables in one transaction,
    then the nominations, cycle and records read models emptied with their checkpoints (one
    transaction) and caught up batch by batch, each batch committed with its checkpoint.
    Killed part-way, the read models are behind but never wrong, and running it again
    starts over (or ``ascn project`` goes on from where it stopped). ``on_events`` hears
    how many events each batch passed over. Returns the events each projection applied."""
    accounts.rebuild(engine)
    reset(engine, list(REBUILT_TABLES), [t for tables in REBUILT_TABLES.values() for t in tables])
    projector = Projector(
        engine,
        [NominationsProjection(), CycleProjection(), RecordsProjection()],
        batch_size=batch_size,
    )
    return projector.run_once(
        None if on_events is None else lambda passed: on_events(max(passed.values(), default=0))
    )
