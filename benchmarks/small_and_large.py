"""A read timed on a small store and a large one, in alternating rounds, on each backend:
what ``status_query`` and ``shepherd_page`` share.

Each backend gets two fresh stores (``status_store``: ten cycle years, ~1,000 events,
and ``--years`` of them), served as the benchmark serves them; their reads are timed
in rounds that alternate between the two stores, so that load from elsewhere on the
machine falls on both alike. The figure is the ratio of the large store's median read
to the small one's; a backend over the target exits 1.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, text

from benchmarks.status_store import DEFAULT_POSTGRES, SMALL_YEARS, postgres_engine, sqlite_engine
from eventstore.engine import is_postgresql

ROUNDS = 10


@dataclass
class TimedReads:
    """A store being read: ``read`` is timed, round after round."""

    events: int
    timings: list[list[float]] = field(default_factory=list, kw_only=True)

    def read(self) -> float:
        """One read; returns the seconds it took."""
        raise NotImplementedError

    def timed(self, get: Callable[[], httpx.Response], what: str) -> float:
        """The seconds ``get`` took; it must answer 200."""
        began = time.perf_counter()
        response = get()
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"{what} failed: {response.status_code} {response.text[:300]}")
        return elapsed

    @property
    def median_ms(self) -> float:
        return statistics.median(t for timings in self.timings for t in timings) * 1000

    @property
    def best_round_ms(self) -> float:
        return min(statistics.median(timings) for timings in self.timings) * 1000


Serving = Callable[[Engine, int], AbstractContextManager[TimedReads]]


def vacuum_analyze(engine: Engine) -> None:
    """What autovacuum does after a bulk load (PostgreSQL), done before the timing."""
    if is_postgresql(engine):
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def measure(small: TimedReads, large: TimedReads, calls: int, warm: int) -> None:
    gc.collect()
    for _ in range(max(warm, calls // 10)):
        small.read()
        large.read()
    for _ in range(ROUNDS):
        for store in (small, large):
            store.timings.append([store.read() for _ in range(max(1, calls // ROUNDS))])


def run_backend(
    serving: Serving, postgres: str | None, years: int, calls: int, warm: int
) -> tuple[TimedReads, TimedReads]:
    with ExitStack() as stack:
        engines = [
            stack.enter_context(sqlite_engine() if postgres is None else postgres_engine(postgres))
            for _ in range(2)
        ]
        small = stack.enter_context(serving(engines[0], SMALL_YEARS))
        large = stack.enter_context(serving(engines[1], years))
        measure(small, large, calls, warm)
        return small, large


def arguments(description: str, calls: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    parser.add_argument("--years", type=int, default=1000, help="cycle years in the large store")
    parser.add_argument("--calls", type=int, default=calls, help="timed reads per store")
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    return parser.parse_args()


def run_and_report(
    serving: Serving,
    args: argparse.Namespace,
    *,
    target: float,
    warm: int,
    columns: Sequence[str],
    row: Callable[[TimedReads], str],
) -> None:
    """Both stores on each backend asked for, a line each; exits 1 over the target.
    ``columns`` heads what ``row`` says of one store."""
    results = []
    if args.backend in ("both", "sqlite"):
        results.append(("sqlite", *run_backend(serving, None, args.years, args.calls, warm)))
    if args.backend in ("both", "postgresql"):
        results.append(
            ("postgresql", *run_backend(serving, args.postgres, args.years, args.calls, warm))
        )
    size = " ".join(columns)
    print(f"{'backend':<11} {size} {size} {'ratio':>5} {'(best)':>6} {'target':>7}")
    missed = False
    for backend, small, large in results:
        ratio = large.median_ms / small.median_ms
        best = large.best_round_ms / small.best_round_ms
        missed |= ratio > target
        print(
            f"{backend:<11} {row(small)} {row(large)} {ratio:>5.2f} {best:>6.2f} "
            f"{'<=' + str(target):>7} {'ok' if ratio <= target else 'MISSED'}"
        )
    sys.exit(1 if missed else 0)
