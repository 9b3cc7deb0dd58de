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

import argparse
import gc
import statistics
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from api.app import create_app
from ascn.projections import app_projector
from benchmarks.status_query import PROBE, no_cycles, shepherds_token
from benchmarks.status_store import (
    DEFAULT_POSTGRES,
    FIRST_YEAR,
    SMALL_YEARS,
    build,
    postgres_engine,
    sqlite_engine,
)
from eventstore.engine import is_postgresql

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TARGET = 1.3
ROUNDS = 10


@dataclass
class Store:
    events: int
    client: TestClient
    timings: list[list[float]] = field(default_factory=list)

    def read(self) -> float:
        began = time.perf_counter()
        response = self.client.get(f"/app/cycles/{PROBE}", follow_redirects=False)
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"page read failed: {response.status_code} {response.text[:300]}")
        return elapsed

    @property
    def median_ms(self) -> float:
        return statistics.median(t for timings in self.timings for t in timings) * 1000

    @property
    def best_round_ms(self) -> float:
        return min(statistics.median(timings) for timings in self.timings) * 1000


@contextmanager
def serving(engine: Engine, years: int) -> Iterator[Store]:
    store = build(engine, range(FIRST_YEAR, FIRST_YEAR + years), probe=PROBE)
    app_projector(engine).run_once()
    if is_postgresql(engine):
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    token = shepherds_token(engine)  # a session is a live token of the users model
    app = create_app(engine=engine, cycles=no_cycles(engine))
    with TestClient(app) as client:
        client.cookies.set("ascn_session", token)
        served = Store(store.last_position(), client)
        page = client.get(f"/app/cycles/{PROBE}")
        if page.status_code != 200 or 'data-status="escalated"' not in page.text:
            raise RuntimeError(f"the probe year should show, escalated: {page.status_code}")
        yield served


def measure(small: Store, large: Store, calls: int) -> None:
    gc.collect()
    for _ in range(max(5, calls // 10)):
        small.read()
        large.read()
    for _ in range(ROUNDS):
        for store in (small, large):
            store.timings.append([store.read() for _ in range(max(1, calls // ROUNDS))])


def run_backend(postgres: str | None, years: int, calls: int) -> tuple[Store, Store]:
    with ExitStack() as stack:
        engines = [
            stack.enter_context(sqlite_engine() if postgres is None else postgres_engine(postgres))
            for _ in range(2)
        ]
        small = stack.enter_context(serving(engines[0], SMALL_YEARS))
        large = stack.enter_context(serving(engines[1], years))
        measure(small, large, calls)
        return small, large


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    parser.add_argument("--years", type=int, default=1000, help="cycle years in the large store")
    parser.add_argument("--calls", type=int, default=300, help="timed reads per store")
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    results = []
    if args.backend in ("both", "sqlite"):
        results.append(("sqlite", *run_backend(None, args.years, args.calls)))
    if args.backend in ("both", "postgresql"):
        results.append(("postgresql", *run_backend(args.postgres, args.years, args.calls)))
    size = f"{'events':>8} {'median ms':>9} {'best ms':>7}"
    print(f"{'backend':<11} {size} {size} {'ratio':>5} {'(best)':>6} {'target':>7}")
    missed = False
    for backend, small, large in results:
        ratio = large.median_ms / small.median_ms
        best = large.best_round_ms / small.best_round_ms
        missed |= ratio > TARGET
        print(
            f"{backend:<11} {_size(small)} {_size(large)} {ratio:>5.2f} {best:>6.2f} "
            f"{'<=' + str(TARGET):>7} {'ok' if ratio <= TARGET else 'MISSED'}"
        )
    sys.exit(1 if missed else 0)


def _size(store: Store) -> str:
    return f"{store.events:>8} {store.median_ms:>9.3f} {store.best_round_ms:>7.3f}"


if __name__ == "__main__":
    main()
