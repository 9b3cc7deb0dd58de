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

import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import Engine

from api.app import create_app
from ascn.projections import app_projector
from ascn.settings import Settings
from benchmarks.small_and_large import TimedReads, arguments, run_and_report, vacuum_analyze
from benchmarks.status_store import FIRST_YEAR, SMALL_YEARS, build
from domain.actors import Actor
from domain.reference import ReferenceData
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
class Store(TimedReads):
    catch_up_s: float
    client: TestClient
    token: str

    def read(self) -> float:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.timed(lambda: self.client.get(f"/v1/cycles/{PROBE}", headers=headers),
                          "status read")  # fmt: skip


@contextmanager
def serving(engine: Engine, years: int) -> Iterator[Store]:
    """The store built and caught up by the projector, which then keeps running."""
    store = build(engine, range(FIRST_YEAR, FIRST_YEAR + years), probe=PROBE)
    projector = app_projector(engine)
    began = time.perf_counter()
    projector.run_once()
    catch_up_s = time.perf_counter() - began
    vacuum_analyze(engine)
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


def main() -> None:
    args = arguments(__doc__.splitlines()[0], calls=1000)
    columns = (f"{'events':>8}", f"{'catch-up ev/s':>13}", f"{'median ms':>9}", f"{'best ms':>7}")
    run_and_report(serving, args, target=TARGET, warm=10, columns=columns, row=_size)


def _size(store: TimedReads) -> str:
    assert isinstance(store, Store)
    rate = store.events / store.catch_up_s
    return f"{store.events:>8} {rate:>13.0f} {store.median_ms:>9.3f} {store.best_round_ms:>7.3f}"


if __name__ == "__main__":
    main()
