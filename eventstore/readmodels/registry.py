"""Every read model the application keeps, and catching them all up at once."""

from __future__ import annotations

from sqlalchemy import Engine

from eventstore.projections import Projection, ProjectionRunner
from eventstore.readmodels.cycles import CycleProjection
from eventstore.readmodels.nominations import NominationsProjection
from eventstore.readmodels.outbox import OutboxProjection


def all_projections() -> list[Projection]:
    return [NominationsProjection(), CycleProjection(), OutboxProjection()]


def catch_up_all(engine: Engine) -> int:
    """Bring every read model up to the store's last position; return the events
    applied, summed over the projections (each follows its own checkpoint)."""
    return sum(ProjectionRunner(engine, projection).catch_up() for projection in all_projections())
