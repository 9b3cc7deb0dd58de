"""A status read through the API, on a store of ~1,000 events and one of ~100,000.

Run: ``python -m benchmarks.status_query`` (``--help`` for the options). Exits 1 if
a backend misses the target.

Each backend gets two fresh stores (temporary SQLite files; PostgreSQL schemas of
their own): ten cycle years (~1,000 events) and a thousand (~100,000), the same
probe year, still open with overdue parties, in both. The projector catches each
store up in one pass (timed: the catch-up rate), then keeps running in a thread,
as it does in ``ascn up``, while ``GET /v1/cycles/{probe}`` is timed through the
app with a shepherd's bearer token: authentication, the read models, the lag. The
two stores are read in alternating rounds, so that load from elsewhere on the
machine falls on both alike. The status reads the read models by primary key and
never catches up, so the ratio large/small should stay near 1 (target <= 1.2).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import NoReturn

from sqlalchemy import Engine, text

from api.app import create_app
from ascn.projections import app_projector
from ascn.settings import Settings
from benchmarks.status_store import (
    DEFAULT_POSTGRES,
    FIRST_YEAR,
    SMALL_YEARS,
    build,
    postgres_engine,
    sqlite_engine,
)
from domain.actors import Actor
from domain.reference import ReferenceData
from eventstore.engine import is_postgresql
from eventstore.store import EventStore, utc_now
from services import users
from services.cycles import CycleDeps
from services.errors import CycleUnavailable
from services.sealing import Sealer

with warnings.catch_warnings():
    # Starlette 1.x would rather have httpx2 behind its TestClient; httpx works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TARGET = 1.2
ROUNDS = 10
PROBE = FIRST_YEAR + SMALL_YEARS - 1


class NoCycles:
    """The status read never reaches Temporal; the app needs a gateway all the same."""

    async def _refuse(self, *_: object) -> NoReturn:
        raise CycleUnavailable("the benchmark runs no Temporal")

    start_cycle = submit_nominations = declare_nil_return = grant_exception = _refuse
    approve_step = extend_deadline = waive_step = _refuse
    record_decision = submit_report = submit_progress_review = _refuse
    draft_report = submit_report_draft = _refuse
    propose_city = decide_city = membership_changed = _refuse


def no_cycles(engine: Engine) -> CycleDeps:
    return CycleDeps(
        gateway=NoCycles(), sealer=Sealer(Settings().seal_keyring, utc_now),
        reference=ReferenceData.load(), store=EventStore(engine),
    )  # fmt: skip


def shepherds_token(engine: Engine) -> str:
    directory = users.Directory(store=EventStore(engine), clock=utc_now)
    admin = Actor(id="benchmark", role="admin")
    users.add_user(directory, users.AddUser(name="sam", role="shepherd:ID"), admin)
    return users.issue_token(directory, users.IssueToken(name="sam"), admin).token


@dataclass
class Store:
    events: int
    catch_up_s: float
    client: TestClient
    token: str
    timings: list[list[float]] = field(default_factory=list)

    def read(self) -> float:
        began = time.perf_counter()
        response = self.client.get(
            f"/v1/cycles/{PROBE}", headers={"Authorization": f"Bearer {self.token}"}
        )
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"status read failed: {response.status_code} {response.text}")
        return elapsed

    @property
    def median_ms(self) -> float:
        return statistics.median(t for timings in self.timings for t in timings) * 1000

    @property
    def best_round_ms(self) -> float:
        return min(statistics.median(timings) for timings in self.timings) * 1000


@contextmanager
def serving(engine: Engine, years: int) -> Iterator[Store]:
    """The store built and caught up by the projector, which then keeps running."""
    store = build(engine, range(FIRST_YEAR, FIRST_YEAR + years), probe=PROBE)
    projector = app_projector(engine)
    began = time.perf_counter()
    projector.run_once()
    catch_up_s = time.perf_counter() - began
    if is_postgresql(engine):
        # What autovacuum does after a bulk load, done now rather than during the timing.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    token = shepherds_token(engine)
    stop = threading.Event()
    loop = threading.Thread(target=projector.run, args=(stop,), daemon=True)
    app = create_app(engine=engine, cycles=no_cycles(engine))
    with TestClient(app) as client:
        loop.start()
        try:
            served = Store(store.last_position(), catch_up_s, client, token)
            body = client.get(f"/v1/cycles/{PROBE}", headers={"Authorization": f"Bearer {token}"})
            status = body.json()
            if not status["overdue"] or status["behind"] != 0:
                raise RuntimeError(f"the probe year should be projected and overdue: {status}")
            yield served
        finally:
            stop.set()
            loop.join()


def measure(small: Store, large: Store, calls: int) -> None:
    gc.collect()
    for _ in range(max(10, calls // 10)):
        small.read()
        large.read()
    for _ in range(ROUNDS):
        for store in (small, large):
            store.timings.append([store.read() for _ in range(max(1, calls // ROUNDS))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    parser.add_argument("--years", type=int, default=1000, help="cycle years in the large store")
    parser.add_argument("--calls", type=int, default=1000, help="timed reads per store")
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    results = []
    if args.backend in ("both", "sqlite"):
        results.append(("sqlite", *run_backend(None, args.years, args.calls)))
    if args.backend in ("both", "postgresql"):
        results.append(("postgresql", *run_backend(args.postgres, args.years, args.calls)))
    size = f"{'events':>8} {'catch-up ev/s':>13} {'median ms':>9} {'best ms':>7}"
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


def _size(store: Store) -> str:
    rate = store.events / store.catch_up_s
    return f"{store.events:>8} {rate:>13.0f} {store.median_ms:>9.3f} {store.best_round_ms:>7.3f}"


if __name__ == "__main__":
    main()
