"""Where a cycle stands, as the status route shows it: the cycle read model."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine

from eventstore.readmodels.cycles import CycleView, cycle_view
from eventstore.readmodels.registry import catch_up_all


class StatusReader(Protocol):
    def cycle_status(self, year: int) -> CycleView | None:
        """The year's cycle; None if the store knows no cycle of that year."""
        ...


class ReadModelStatus:
    """The cycle read model, caught up with the store before each read."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def cycle_status(self, year: int) -> CycleView | None:
        catch_up_all(self._engine)
        return cycle_view(self._engine, year)
