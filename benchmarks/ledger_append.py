"""What the ledger costs appends, and what a proof at a million events reads.

Run: ``make bench`` (or ``python -m benchmarks.ledger_append --help``).

1. Appends per second with the tree maintained (the extender following the log in
   a process of its own, one pass every ``--interval`` seconds, as the projector
   runs it) against the same appends with no extender, in one run on the same
   database: single events and batches of 100, on SQLite and PostgreSQL. Rounds
   without and with the extender alternate, and each round with it is set against
   the mean of the two without it on either side, so that a load on the machine that
   grows or fades weighs on both; the figure is the median of those ratios. Each
   round begins where a deployed extender would be: without it, with the tree at the
   log's head; with it, a pass behind (one interval's events, appended off the
   clock). So the extender does, within a round, the work of as many events as the
   round appends: "kept up" counts it, and a case where it did not (below 0.9) misses
   too. The target is 0.9 or more; it exits 1 if any case misses it. It also prints
   the CPU an event costs appends and the extender, client and server, measured in
   one process: waits that a busy machine stretches do not count there, so it says
   more steadily what the rounds measure.
2. An inclusion proof at 1,000,000 events: the rows its queries read, counted by
   running again each SELECT the proof code issued and counting what it returns.
   Building a store of a million events takes long, so the ledger table is filled
   directly with the tiles of 1,000,000 synthetic leaf hashes that the extender
   keeps (as it would have written them); the proof is checked against their root.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.synchronize import Event, Lock
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from benchmarks.append_throughput import DEFAULT_POSTGRES, StoreAppender
from benchmarks.append_throughput import rate as fixed_rate
from domain import merkle
from eventstore import ledger
from eventstore.engine import create_store_engine, is_postgresql, parse_database_url
from eventstore.schema import ledger_tiles, metadata
from eventstore.store import EventStore

TARGET = 0.9
KEPT_UP = 0.9
BATCHES = (1, 100)
# Events a pass of the extender finds, about a second's appends of each batch size.
PASS_EVENTS = {1: 1_000, 100: 20_000}
DEPLOYED_INTERVAL_S = 1.0  # eventstore.projector.DEFAULT_INTERVAL_S
PROOF_SIZE = 1_000_000


@dataclass
class Case:
    backend: str
    batch: int
    without: list[float] = field(default_factory=list)
    with_ledger: list[float] = field(default_factory=list)
    appended: int = 0  # events appended in the rounds with the extender
    extended: int = 0  # leaves its passes added in those rounds
    inherited: int = 0  # events left to it as each of those rounds began

    @property
    def kept_up(self) -> float:
        """The leaves the extender added in the rounds with it, for each event they
        appended: about 1 when it kept the tree a pass behind the log, as deployed."""
        return self.extended / self.appended

    @property
    def ratios(self) -> list[float]:
        """Each round with the extender against the rounds without it on either side
        (their mean): a load on the machine that grows or fades through the three
        rounds weighs on both sides alike."""
        return [
            with_it / ((before + after) / 2)
            for with_it, before, after in zip(
                self.with_ledger, self.without, self.without[1:], strict=False
            )
        ]

    @property
    def ratio(self) -> float:
        """The median of the rounds' ratios: a burst of load elsewhere spoils one round,
        not the figure."""
        return statistics.median(self.ratios)


def timed_appends(append: Callable[[int], None], batch: int, seconds: float) -> tuple[int, float]:
    """Batch after batch for ``seconds`` (long enough for several of the extender's passes
    to fall inside a round): the events appended, and the seconds it took."""
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        append(batch)
        calls += 1
    return calls * batch, time.perf_counter() - start


def extender_process(
    url: str, active: Event, passing: Lock, stop: Event, interval: float, added: Any
) -> None:
    """The extender as the projector runs it: a pass, then wait ``interval``. A pass
    holds ``passing``, so that the rounds can wait for one under way to end."""
    engine = create_store_engine(url)
    try:
        while not stop.is_set():
            if not active.wait(0.05):
                continue
            with passing:
                if not active.is_set():
                    continue
                added.value += ledger.extend(engine)
            stop.wait(interval)
    finally:
        engine.dispose()


@contextmanager
def sqlite_store(folder: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{folder / 'ledger-bench.db'}"
    engine = create_store_engine(url)
    metadata.create_all(engine)
    try:
        yield url, engine
    finally:
        engine.dispose()


@contextmanager
def postgres_store(url: str) -> Iterator[tuple[str, Engine]]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_store_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    scoped_url = scoped.render_as_string(hide_password=False)
    engine = create_store_engine(scoped_url)
    metadata.create_all(engine)
    try:
        yield scoped_url, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class CpuCost:
    """CPU per event, this process's and the database server's, of appends and of
    extending the tree over them in passes of ``per_pass`` events."""

    backend: str
    batch: int
    per_pass: int
    append_us: float
    extend_us: float

    @property
    def share(self) -> float:
        """What appends would keep of a CPU they shared with the extender."""
        return self.append_us / (self.append_us + self.extend_us)


def server_seconds(conn: Any) -> Callable[[], float | None]:
    """The CPU seconds of the PostgreSQL process serving ``conn``, read from /proc (a
    local server); None where that cannot be read."""
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    tick = os.sysconf("SC_CLK_TCK")

    def seconds() -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / tick

    return seconds


def measure_cpu(backend: str, store: Any, passes: int = 3) -> list[CpuCost]:
    """Appends, then the tree extended over them, pass after pass, in this process on one
    connection: CPU time does not count the waits that a busy machine stretches, so this
    says, more steadily than the rounds, what the extender costs next to appends."""
    costs = []
    with store as (url, _):
        engine = create_store_engine(url)
        if is_postgresql(engine):  # one connection, one server process to read
            engine.dispose()
            engine = create_engine(parse_database_url(url), poolclass=StaticPool)
        with engine.connect() as conn:
            server = server_seconds(conn) if is_postgresql(engine) else lambda: 0.0
        append = StoreAppender(EventStore(engine))

        def cpu_of(run: Callable[[], object]) -> float | None:
            client, served = time.process_time(), server()
            run()
            after = server()
            if served is None or after is None:
                return None
            return time.process_time() - client + after - served

        for batch, per_pass in PASS_EVENTS.items():
            fixed_rate(append, batch, batch * 20)
            ledger.extend(engine)
            spent: list[tuple[float | None, float | None]] = [
                (
                    cpu_of(partial(fixed_rate, append, batch, per_pass)),
                    cpu_of(partial(ledger.extend, engine)),
                )
                for _ in range(passes)
            ]
            appended = [a for a, _ in spent if a is not None]
            extended = [e for _, e in spent if e is not None]
            if len(appended) < passes or len(extended) < passes:
                continue  # the server's CPU cannot be read (not a local server)
            events = passes * per_pass
            append_us, extend_us = 1e6 * sum(appended) / events, 1e6 * sum(extended) / events
            costs.append(CpuCost(backend, batch, per_pass, append_us, extend_us))
        engine.dispose()
    return costs


def measure_appends(
    backend: str, store: Any, seconds: float, rounds: int, interval: float
) -> list[Case]:
    cases: list[Case] = []
    context = multiprocessing.get_context("spawn")
    with store as (url, engine):
        active, stop, added = context.Event(), context.Event(), context.Value("q", 0)
        passing = context.Lock()
        extender = context.Process(
            target=extender_process,
            args=(url, active, passing, stop, interval, added),
            daemon=True,
        )
        extender.start()

        def no_pass() -> None:
            """No pass under way, and none to come until ``active`` is set again."""
            active.clear()
            with passing:
                pass

        def one_round(case: Case, append: Callable[[int], None], ledger_on: bool) -> float:
            """Events a second in a round that begins where a deployed extender would be:
            without it, at the log's head; with it, a pass behind the log (the events
            of one interval, at the rate of the round before, appended off the clock)."""
            ledger.extend(engine)
            if ledger_on:
                lag = max(case.batch, int(case.without[-1] * interval)) if case.without else 0
                fixed_rate(append, case.batch, lag)
                case.inherited += lag
                before = added.value
                active.set()
            events, elapsed = timed_appends(append, case.batch, seconds)
            if ledger_on:
                no_pass()
                case.appended += events
                case.extended += added.value - before
            return events / elapsed

        try:
            for batch in BATCHES:
                case = Case(backend, batch)
                append = StoreAppender(EventStore(engine))
                fixed_rate(append, batch, batch * 20)  # warm caches and connections
                one_round(case, append, False)  # and a round each way, not counted
                one_round(case, append, True)
                case.inherited = case.appended = case.extended = 0
                # Without, with, without, ..., with, without: each round with the
                # extender between two without it.
                case.without.append(one_round(case, append, False))
                for _ in range(rounds):
                    case.with_ledger.append(one_round(case, append, True))
                    case.without.append(one_round(case, append, False))
                cases.append(case)
        finally:
            stop.set()
            active.set()
            extender.join(30)
        ledger.extend(engine)
        with engine.connect() as conn:
            size = ledger.tree_size(conn)
            logged = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        if size != logged:
            raise SystemExit(f"{backend}: the tree holds {size} leaves, the log {logged} events")
    return cases


def synthetic_tiles(size: int) -> tuple[list[dict[str, Any]], list[bytes]]:
    leaves = [hashlib.sha256(f"leaf {i}".encode()).digest() for i in range(size)]
    leaf_hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    tiles = ledger.grow(0, {}, leaf_hashes, range(1, size + 1))
    return [tile.row() for tile, _ in tiles], leaf_hashes


def fill_ledger(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(ledger_tiles), rows[start : start + 10_000])


def rows_read_by_proof(engine: Engine, index: int, size: int) -> tuple[int, int, list[bytes]]:
    """The proof's path, with the SELECTs it issued and the rows they return."""
    issued: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            issued.append((statement, parameters))

    with engine.connect() as conn:
        event.listen(engine, "before_cursor_execute", note)
        try:
            path = ledger.inclusion_proof(conn, index, size)
        finally:
            event.remove(engine, "before_cursor_execute", note)
        driver: Any = conn.connection.driver_connection
        cursor = driver.cursor()
        rows = 0
        for statement, parameters in issued:
            cursor.execute(statement, parameters)
            rows += len(cursor.fetchall())
        cursor.close()
    return len(issued), rows, path


def measure_proof(backend: str, store: Any, rows: Any, leaves: list[bytes]) -> str:
    with store as (_, engine):
        started = time.perf_counter()
        fill_ledger(engine, rows)
        filled = time.perf_counter() - started
        expected_root = merkle.root(leaves)
        lines = []
        for index in (0, 123_456, PROOF_SIZE - 1):
            started = time.perf_counter()
            statements, read, path = rows_read_by_proof(engine, index, PROOF_SIZE)
            took = (time.perf_counter() - started) * 1000
            ok = merkle.verify_inclusion(index, PROOF_SIZE, leaves[index], path, expected_root)
            if not ok:
                raise SystemExit(f"{backend}: the proof of leaf {index} does not verify")
            lines.append(
                f"{backend:<11} leaf {index:>7} of {PROOF_SIZE}: {statements} query, "
                f"{read} rows read, path of {len(path)}, {took:.1f} ms (verified)"
            )
        return "\n".join(lines) + f"\n{'':<11} (ledger table filled in {filled:.0f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds a round")
    parser.add_argument("--rounds", type=int, default=10, help="rounds with the extender")
    parser.add_argument("--interval", type=float, default=DEPLOYED_INTERVAL_S)
    parser.add_argument("--skip-proof", action="store_true", help="no 1,000,000-event proof")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    cases: list[Case] = []
    with tempfile.TemporaryDirectory() as folder:
        cases += measure_appends(
            "sqlite", sqlite_store(Path(folder)), args.seconds, args.rounds, args.interval
        )
    cases += measure_appends(
        "postgresql", postgres_store(args.postgres), args.seconds, args.rounds, args.interval
    )
    print(
        f"load average {load_before:.1f} as the rounds began, {os.getloadavg()[0]:.1f} as they "
        f"ended, on {os.cpu_count()} CPUs: with every CPU busy, each process the extender adds "
        "takes its share, and the ratio tends to what the CPU figures below say appends keep"
    )
    print(
        f"appends with the tree maintained (the extender in its own process, a pass every "
        f"{args.interval:g} s) against appends without it: {args.rounds} rounds of "
        f"{args.seconds:g} s with it, each between two without it"
    )
    print(f"{'backend':<11} {'events/append':>13} {'without ev/s':>12} {'with ev/s':>10} "
          f"{'ratio':>6} {'rounds':>11} {'kept up':>7} {'target':>7}")  # fmt: skip
    # The ratio counts only if the extender kept the tree a pass behind the log.
    missed = [c for c in cases if c.ratio < TARGET or c.kept_up < KEPT_UP]
    for case in cases:
        ratios = case.ratios
        print(
            f"{case.backend:<11} {case.batch:>13} {statistics.median(case.without):>12.0f} "
            f"{statistics.median(case.with_ledger):>10.0f} {case.ratio:>6.2f} "
            f"{min(ratios):>5.2f}-{max(ratios):<5.2f} {case.kept_up:>7.2f} "
            f"{'>=' + str(TARGET):>7} {'MISSED' if case in missed else 'ok'}"
        )
    print(
        "kept up: leaves the extender's passes added in the rounds with it, for each event "
        f"those rounds appended (at least {KEPT_UP}); each began with a pass's worth of "
        "events left to it, as a running extender always has: "
        + ", ".join(f"{c.backend} {c.batch}: {c.inherited}" for c in cases)
    )
    costs = []
    with tempfile.TemporaryDirectory() as folder:
        costs += measure_cpu("sqlite", sqlite_store(Path(folder)))
    costs += measure_cpu("postgresql", postgres_store(args.postgres))
    print("CPU per event (this process and the database server's), appends and the tree")
    print("extended over them in passes of about a second's appends:")
    for cost in costs:
        print(
            f"{cost.backend:<11} {cost.batch:>3}/append: append {cost.append_us:6.1f} µs, "
            f"extend {cost.extend_us:5.1f} µs (passes of {cost.per_pass}): appends keep "
            f"{cost.share:.2f} of a CPU they share"
        )
    if not args.skip_proof:
        rows, leaves = synthetic_tiles(PROOF_SIZE)
        print(f"an inclusion proof at {PROOF_SIZE} events ({len(rows)} tiles stored):")
        with tempfile.TemporaryDirectory() as folder:
            print(measure_proof("sqlite", sqlite_store(Path(folder)), rows, leaves))
        print(measure_proof("postgresql", postgres_store(args.postgres), rows, leaves))
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
