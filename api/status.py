"""Where a cycle stands, as the status route shows it: the cycle read model.

Reads only read. The projector keeps the read models up to date; a status says
how far behind the store it was when read (``projected_position``, ``store_head``,
``behind``), and the other reads say it in ``Ascn-*`` headers.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine

from eventstore.lag import ReadLag
from eventstore.readmodels.cycles import CycleStatusView, cycle_status_view
from services.errors import CycleNotFound


class StatusReader(Protocol):
    def cycle_status(self, year: int) -> CycleStatusView | None:
        """The year's cycle; None if the read models know no cycle of that year."""
        ...


class ReadModelStatus:
    """The cycle read model as the projector left it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def cycle_status(self, year: int) -> CycleStatusView | None:
        return cycle_status_view(self._engine, year)


def known_cycle(status: StatusReader, year: int) -> CycleStatusView:
    """The year's cycle, or the 404 every route gives for a year with no cycle."""
    view = status.cycle_status(year)
    if view is None:
        raise CycleNotFound(year, f"no cycle is known for {year}")
    return view


def lag_headers(lag: ReadLag) -> dict[str, str]:
    return {
        "Ascn-Projected-Position": str(lag.projected_position),
        "Ascn-Store-Head": str(lag.store_head),
        "Ascn-Behind": str(lag.behind),
    }
