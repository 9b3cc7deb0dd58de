"""The shepherd's cycle page, on a store of ~1,000 events and one of ~100,000.

Run: ``python -m benchmarks.shepherd_page`` (``--help`` for the options). Exits 1 if a
backend misses the target (ratio large/small <= 1.3).

Each backend gets two fresh stores built as ``benchmarks.status_query`` builds them
(``benchmarks.status_store``: ten cycle years, ~1,000 events, and a thousand, ~100,000;
the same probe year, still open with overdue parties, in both), caught up by the
projector in one pass. Then ``GET /app/cycles/{probe}`` is timed through the app with
a shepherd's session cookie: the session lookup, the cycle's read models (its steps,
overdue parties, the year's nominations and exceptions), its own stream for the Gantt
chart, the grid, and the template. The two stores are read in alternating rounds, so
that load from elsewhere on the machine falls on both alike.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from api.app import create_app
from ascn.projections import app_projector
from benchmarks.small_and_large import TimedReads, arguments, run_and_report, vacuum_analyze
from benchmarks.status_query import PROBE, no_cycles, shepherds_token
from benchmarks.status_store import FIRST_YEAR, build

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TARGET = 1.3


@dataclass
class Store(TimedReads):
    client: TestClient

    def read(self) -> float:
        page = f"/app/cycles/{PROBE}"
        return self.timed(lambda: self.client.get(page, follow_redirects=False), "page read")


@contextmanager
def serving(engine: Engine, years: int) -> Iterator[Store]:
    store = build(engine, range(FIRST_YEAR, FIRST_YEAR + years), probe=PROBE)
    app_projector(engine).run_once()
    vacuum_analyze(engine)
    token = shepherds_token(engine)  # a session is a live token of the users model
    app = create_app(engine=engine, cycles=no_cycles(engine))
    with TestClient(app) as client:
        client.cookies.set("ascn_session", token)
        served = Store(store.last_position(), client)
        page = client.get(f"/app/cycles/{PROBE}")
        if page.status_code != 200 or 'data-status="escalated"' not in page.text:
            raise RuntimeError(f"the probe year should show, escalated: {page.status_code}")
        yield served


def main() -> None:
    args = arguments(__doc__.splitlines()[0], calls=300)
    columns = (f"{'events':>8}", f"{'median ms':>9}", f"{'best ms':>7}")
    run_and_report(serving, args, target=TARGET, warm=5, columns=columns, row=_size)


def _size(store: TimedReads) -> str:
    return f"{store.events:>8} {store.median_ms:>9.3f} {store.best_round_ms:>7.3f}"


if __name__ == "__main__":
    main()
