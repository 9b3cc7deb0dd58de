"""Every read model the application keeps, and the projector that keeps them."""

from __future__ import annotations

from sqlalchemy import Engine

from domain.contacts import Contacts
from eventstore.ledger import Extender
from eventstore.projections import Projection
from eventstore.projector import Projector
from eventstore.readmodels.cycles import CycleProjection
from eventstore.readmodels.nominations import NominationsProjection
from mail.outbox import OutboxProjection


def all_projections(contacts: Contacts | None = None) -> list[Projection]:
    return [NominationsProjection(), CycleProjection(), OutboxProjection(contacts)]


def app_projector(engine: Engine, contacts: Contacts | None = None) -> Projector:
    """The read models, and after each pass the ledger's Merkle tree (off the append path)."""
    return Projector(engine, all_projections(contacts), after_pass=Extender(engine))


def catch_up_all(engine: Engine, contacts: Contacts | None = None) -> int:
    """One projector pass: every read model, the mail outbox and the ledger's tree up to
    the store's head.
    Returns the events passed over, summed over the projections."""
    return sum(app_projector(engine, contacts).run_once().values())
