"""The projector: the one process that writes the read models, in a loop of its own.

Reads never catch up; they read what the projector has applied and say how far
behind it is (``eventstore.lag``). A pass brings every projection up to the
store's head, batch by batch; the loop runs a pass every ``interval`` seconds.
A pass that fails (the database restarting, say) is logged and retried on the
next one: each batch commits with its checkpoint, so nothing is lost or doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence

import structlog
from sqlalchemy import Engine, func, select

from eventstore.projections import DEFAULT_BATCH_SIZE, Projection, checkpoint_in, run_batch
from eventstore.schema import events

DEFAULT_INTERVAL_S = 1.0
log = structlog.get_logger("ascn.projector")


class Projector:
    def __init__(
        self,
        engine: Engine,
        projections: Sequence[Projection],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        after_pass: Callable[[], int] | None = None,
    ) -> None:
        """``after_pass``: also run after every pass, e.g. the ledger's extender
        (eventstore/ledger.py); what it returns (events it passed over) is logged."""
        self._engine = engine
        self._projections = list(projections)
        self._batch_size = batch_size
        self._after_pass = after_pass

    @property
    def names(self) -> list[str]:
        return [projection.name for projection in self._projections]

    def run_once(self, on_batch: Callable[[dict[str, int]], None] | None = None) -> dict[str, int]:
        """One pass: the projections behind the head catch up together, batch by batch
        (each batch read and decoded once, and committed once with every checkpoint it
        moved); returns the events each passed over. ``on_batch`` hears what each batch
        passed over, as it commits (a progress bar). An idle pass only reads, so it
        costs the database no write."""
        head, positions = self.positions()
        applied = dict.fromkeys(self.names, 0)
        behind = [p for p in self._projections if positions[p.name] < head]
        while behind:
            passed = run_batch(self._engine, behind, self._batch_size)
            for name, count in passed.items():
                applied[name] += count
            if on_batch is not None:
                on_batch(passed)
            if not any(passed.values()):
                break
        self._run_after_pass()
        return applied

    def _run_after_pass(self) -> None:
        if self._after_pass is None:
            return
        if passed := self._after_pass():
            log.info("after the pass", **{getattr(self._after_pass, "name", "hook"): passed})

    def positions(self) -> tuple[int, dict[str, int]]:
        """The store's head, and each projection's checkpoint."""
        with self._engine.connect() as conn:
            head = int(conn.execute(select(func.max(events.c.position))).scalar() or 0)
            return head, {name: checkpoint_in(conn, name) for name in self.names}

    def run(self, stop: threading.Event, *, interval: float = DEFAULT_INTERVAL_S) -> None:
        """Pass after pass until ``stop`` is set (for a thread or a process of its own)."""
        while not stop.is_set():
            self._logged_pass()
            stop.wait(interval)

    async def run_async(self, stop: asyncio.Event, *, interval: float = DEFAULT_INTERVAL_S) -> None:
        """The same loop beside other asyncio tasks; each pass runs in a thread, since the
        store's access is synchronous."""
        while not stop.is_set():
            await asyncio.to_thread(self._logged_pass)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    def _logged_pass(self) -> None:
        try:
            applied = self.run_once()
        except Exception:  # the next pass retries; a stopped loop would leave reads stale
            log.exception("projector pass failed")
            return
        if any(applied.values()):
            log.info("projected", **applied)
