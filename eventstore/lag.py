"""How far the read models trail the store: what a read says instead of catching up."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from eventstore.engine import reading
from eventstore.projections import checkpoint_in
from eventstore.schema import events


class ReadLag(BaseModel):
    model_config = ConfigDict(frozen=True)

    projected_position: int
    """The store position the read models of this answer reflect."""
    store_head: int
    """The store's last position when it was read."""
    behind: int
    """Events stored after ``projected_position``: the projector has yet to apply them."""


def read_lag(conn: Connection, projections: Sequence[str]) -> ReadLag:
    """The lag of the slowest of ``projections``, read in ``conn``'s snapshot."""
    projected = min(checkpoint_in(conn, name) for name in projections)
    head = conn.execute(select(func.max(events.c.position))).scalar()
    behind = conn.execute(
        select(func.count()).select_from(events).where(events.c.position > projected)
    ).scalar()
    return ReadLag(projected_position=projected, store_head=int(head or 0), behind=int(behind or 0))


def lag_of(engine: Engine, projections: Sequence[str]) -> ReadLag:
    with reading(engine) as conn:
        return read_lag(conn, projections)
