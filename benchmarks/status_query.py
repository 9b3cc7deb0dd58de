"""How long ``cycle_view(year)`` takes as the store grows a hundredfold, on SQLite and PostgreSQL.

Run: ``python -m benchmarks.status_query`` (``--help`` for the options).

Each backend gets a fresh database (a temporary SQLite file; a PostgreSQL schema of
its own). The store first holds ~1,000 events: ten cycle years of ~100 events each
(cycle stream plus one nomination per member state and year). The read models catch
up, and the view of one year still in progress (open steps, overdue parties) is timed:
the median of many calls. The same store then grows to ~100,000 events (1,000 years),
the read models catch up, and the same view is timed again. The view reads the read
models by primary key, so the ratio large/small should stay near 1 (target <= 1.5).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from domain.actors import Actor
from domain.events import (
    CityNomination,
    CycleCompleted,
    CycleOpened,
    DeadlineExtended,
    DomainEvent,
    NilReturnDeclared,
    NominationsSubmitted,
    Noted,
    Person,
    ReminderSent,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
)
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_new_event
from eventstore.engine import create_store_engine, is_postgresql
from eventstore.readmodels import schema as _readmodel_tables  # noqa: F401  (registers tables)
from eventstore.readmodels.cycles import cycle_view
from eventstore.readmodels.registry import catch_up_all
from eventstore.records import NewEvent
from eventstore.schema import metadata
from eventstore.store import EventStore

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
TARGET = 1.5
ROUNDS = 5
FIRST_YEAR = 2000
SMALL_YEARS = 10
BLOCK = 100  # years whose nominations go into one append per member state
MEMBER_STATES = ("BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "VN")
PARTIES = tuple(f"nr:{code}" for code in MEMBER_STATES)
STEPS = (
    "nomination_deadline", "city_profiles", "action_plans", "partner_matching",
    "annual_meeting", "jcm_report", "acc_report", "summit",
)  # fmt: skip
REMINDER_RUNGS = ("T-30", "T-14", "T-7", "T-3", "T-1", "T-0")
SYSTEM = Actor(id="cycle", role="system")
CHAIR_TEAM = Actor(id="alice", role="chair_team")


def _new(fact: DomainEvent, at: datetime, actor: Actor = SYSTEM) -> NewEvent:
    return to_new_event(fact, event_id=uuid.uuid4(), occurred_at=at, actor=actor)


class Year:
    """One cycle year's events, in three parts appended around the nominations."""

    def __init__(self, year: int, *, probe: bool = False) -> None:
        self.year = year
        self.probe = probe
        self.at = datetime(year, 1, 15, 9, tzinfo=UTC)
        self.late = {MEMBER_STATES[(year + i) % len(MEMBER_STATES)] for i in range(3)}

    def _next(self) -> datetime:
        self.at += timedelta(hours=6)
        return self.at

    def opening(self) -> list[NewEvent]:
        """The cycle opens; nominations are reminded, extended and escalated."""
        y, step, late = self.year, STEPS[0], tuple(sorted(f"nr:{c}" for c in self.late))
        deadline = datetime(y, 3, 14, 17, tzinfo=UTC)
        facts: list[tuple[DomainEvent, Actor]] = [
            (CycleOpened(year=y, chair="SG", shepherd="MY", template="standard"), SYSTEM),
            (StepOpened(year=y, step=step, deadline=deadline), SYSTEM),
            *((ReminderSent(year=y, step=step, rung=r, recipients=PARTIES), SYSTEM)
              for r in REMINDER_RUNGS[:3]),
            (DeadlineExtended(year=y, step=step, previous_deadline=deadline,
                              new_deadline=deadline + timedelta(days=7), reason="holidays"),
             CHAIR_TEAM),
            (ReminderSent(year=y, step=step, rung="T-1", recipients=late), SYSTEM),
            (StepEscalated(year=y, step=step, rung="D+1", escalated_to="shepherd:MY",
                           outstanding=late), SYSTEM),
        ]  # fmt: skip
        return [_new(fact, self._next(), actor) for fact, actor in facts]

    def nomination(self, code: str) -> NewEvent:
        at = self._next()
        if (self.year + len(code) + ord(code[0])) % 4 == 0 and self.year > FIRST_YEAR:
            nil = NilReturnDeclared(year=self.year, member_state=code,
                                    carried_forward_from=self.year - 1)  # fmt: skip
            return _new(nil, at, Actor.nr(code, "nr"))
        city = CityNomination(
            city=f"Capital of {code}", capital=True,
            csco=Person(name=f"CSCO {code}", email=f"csco.{code.lower()}@example.org"),
        )  # fmt: skip
        fact = NominationsSubmitted(
            year=self.year, member_state=code, cities=(city,),
            national_representative=Person(name=f"NR {code}", email=f"nr@{code.lower()}.org"),
        )  # fmt: skip
        return _new(fact, at, Actor.nr(code, "nr"))

    def rest(self) -> list[NewEvent]:
        """Every later step runs its course; the probe year stops, overdue, in step five."""
        y = self.year
        facts: list[tuple[DomainEvent, Actor]] = [
            (StepApproved(year=y, step=STEPS[0]), CHAIR_TEAM),
            (StepCompleted(year=y, step=STEPS[0]), SYSTEM),
        ]
        for index, step in enumerate(STEPS[1:], start=1):
            owed = PARTIES[index : index + 4]
            deadline = datetime(y, 3 + index, 1, 17, tzinfo=UTC)
            facts += [
                (StepOpened(year=y, step=step, deadline=deadline), SYSTEM),
                *((ReminderSent(year=y, step=step, rung=r, recipients=PARTIES), SYSTEM)
                  for r in REMINDER_RUNGS),
                (StepEscalated(year=y, step=step, rung="D+1", escalated_to="shepherd:MY",
                               outstanding=owed), SYSTEM),
            ]  # fmt: skip
            if self.probe and index == 4:
                break
            facts += [
                (StepApproved(year=y, step=step), CHAIR_TEAM),
                (Noted(year=y, body="JCM", decision="noted"), SYSTEM),
                (StepCompleted(year=y, step=step, outstanding=owed[:1]), SYSTEM),
            ]
        else:
            facts.append((CycleCompleted(year=y), SYSTEM))
        return [_new(fact, self._next(), actor) for fact, actor in facts]


def grow(store: EventStore, years: range, probe: int | None = None) -> None:
    """Append ``years`` as the cycle would: by block, openings, nominations, the rest."""
    for start in range(years.start, years.stop, BLOCK):
        block = [Year(y, probe=y == probe) for y in range(start, min(start + BLOCK, years.stop))]
        for year in block:
            store.append(cycle_stream(year.year), year.opening(), expected_version=None)
        for code in MEMBER_STATES:
            batch = [year.nomination(code) for year in block]
            store.append(nominations_stream(code), batch, expected_version=None)
        for year in block:
            store.append(cycle_stream(year.year), year.rest(), expected_version=None)


@dataclass
class Phase:
    events: int
    catch_up_seconds: float
    median_ms: float
    """The median of every timed call: the figure the target applies to."""
    best_round_ms: float
    """The lowest of the rounds' medians: the same, less disturbed by other load."""


def measure(engine: Engine, store: EventStore, probe: int, calls: int) -> Phase:
    start = time.perf_counter()
    catch_up_all(engine)
    catch_up = time.perf_counter() - start
    if is_postgresql(engine):
        # What autovacuum does after a bulk load, done now rather than during the timing.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    gc.collect()
    view = cycle_view(engine, probe)
    if view is None or not view.overdue:
        raise RuntimeError(f"the probe year {probe} should be open, with overdue parties")
    for _ in range(max(10, calls // 10)):
        cycle_view(engine, probe)
    rounds: list[list[float]] = []
    for _ in range(ROUNDS):
        timings = []
        for _ in range(max(1, calls // ROUNDS)):
            began = time.perf_counter()
            cycle_view(engine, probe)
            timings.append(time.perf_counter() - began)
        rounds.append(timings)
    return Phase(
        events=store.last_position(),
        catch_up_seconds=catch_up,
        median_ms=statistics.median(t for timings in rounds for t in timings) * 1000,
        best_round_ms=min(statistics.median(timings) for timings in rounds) * 1000,
    )


def run(engine: Engine, years: int, calls: int) -> tuple[Phase, Phase]:
    metadata.create_all(engine)
    store = EventStore(engine)
    probe = FIRST_YEAR + SMALL_YEARS - 1
    grow(store, range(FIRST_YEAR, FIRST_YEAR + SMALL_YEARS), probe=probe)
    small = measure(engine, store, probe, calls)
    grow(store, range(FIRST_YEAR + SMALL_YEARS, FIRST_YEAR + years))
    large = measure(engine, store, probe, calls)
    return small, large


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_store_engine(f"sqlite:///{Path(folder) / 'status.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_store_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_store_engine(
        make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    parser.add_argument("--years", type=int, default=1000, help="cycle years in the large store")
    parser.add_argument("--calls", type=int, default=1000, help="timed cycle_view calls per size")
    args = parser.parse_args()
    results = []
    with sqlite_engine() as engine:
        results.append(("sqlite", *run(engine, args.years, args.calls)))
    with postgres_engine(args.postgres) as engine:
        results.append(("postgresql", *run(engine, args.years, args.calls)))
    size = f"{'events':>8} {'catch-up s':>10} {'median ms':>9} {'best ms':>7}"
    print(f"{'backend':<11} {size} {size} {'ratio':>5} {'(best)':>6} {'target':>7}")
    for backend, small, large in results:
        ratio = large.median_ms / small.median_ms
        best = large.best_round_ms / small.best_round_ms
        verdict = "ok" if ratio <= TARGET else "MISSED"
        print(
            f"{backend:<11} {_size(small)} {_size(large)} {ratio:>5.2f} {best:>6.2f} "
            f"{'<=' + str(TARGET):>7} {verdict}"
        )


def _size(phase: Phase) -> str:
    return (
        f"{phase.events:>8} {phase.catch_up_seconds:>10.1f} "
        f"{phase.median_ms:>9.3f} {phase.best_round_ms:>7.3f}"
    )


if __name__ == "__main__":
    main()
