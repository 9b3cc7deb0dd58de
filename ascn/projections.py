"""Every read model the application keeps, and the projector that keeps them."""

from __future__ import annotations

from sqlalchemy import Engine

from domain.contacts import Contacts
from eventstore.projections import Projection
from eventstore.projector import Projector
from eventstore.readmodels.cycles import CycleProjection
from eventstore.readmodels.nominations import NominationsProjection
from eventstore.readmodels.records import RecordsProjection
from mail.outbox import OutboxProjection


def all_projections(contacts: Contacts | None = None) -> list[Projection]:
    return [
        NominationsProjection(), CycleProjection(), OutboxProjection(contacts),
        RecordsProjection(),
    ]  # fmt: skip


def app_projector(engine: Engine, contacts: Contacts | None = None) -> Projector:
    return Projector(engine, all_projections(contacts))


def catch_up_all(engine: Engine, contacts: Contacts | None = None) -> int:
    """One projector pass: every read model and the mail outbox up to the store's head.
    Returns the events passed over, summed over the projections."""
    return sum(app_projector(engine, contacts).run_once().values())
