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

from eventstore.projections import DEFAULT_BATCH_SIZE, Projection, ProjectionRunner, checkpoint_in
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
        self._runners = [ProjectionRunner(engine, p, batch_size=batch_size) for p in projections]
        self._after_pass = after_pass

    @property
    def names(self) -> list[str]:
        return [runner.name for runner in self._runners]

    def run_once(self) -> dict[str, int]:
        """One pass: each projection behind the head catches up; returns the events each
        passed over. An idle pass only reads, so it costs the database no write."""
        head, positions = self.positions()
        applied = {
            runner.name: runner.catch_up() if positions[runner.name] < head else 0
            for runner in self._runners
        }
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
            return head, {runner.name: checkpoint_in(conn, runner.name) for runner in self._runners}

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
