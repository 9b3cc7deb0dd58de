"""What the ledger costs appends, and what a proof at a million events reads.

Run: ``make bench`` (or ``python -m benchmarks.ledger_append --help``).

1. Appends per second with the ledger as deployed (the extender following the log
   in a process of its own, one pass every ``--interval`` seconds, as the projector
   runs it) against the same appends with no extender, in alternating rounds of
   one run, on the same database; single events and batches of 100, on SQLite and
   PostgreSQL. Appends never write the tree, so the target is 0.9 or more; it exits
   1 if any case misses it.
2. An inclusion proof at 1,000,000 events: the rows its queries read, counted by
   running again each SELECT the proof code issued and counting what it returns.
   Building a store of a million events takes long, so the ledger table is filled
   directly with the complete subtrees of 1,000,000 synthetic leaf hashes that the
   extender keeps (as it would have written them); the proof is checked against their root.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, text
from sqlalchemy.engine import make_url

from benchmarks.append_throughput import DEFAULT_POSTGRES, StoreAppender
from benchmarks.append_throughput import rate as fixed_rate
from domain import merkle
from eventstore import ledger
from eventstore.engine import create_store_engine, is_postgresql
from eventstore.schema import ledger_nodes, metadata
from eventstore.store import EventStore

TARGET = 0.9
BATCHES = (1, 100)
DEPLOYED_INTERVAL_S = 1.0  # eventstore.projector.DEFAULT_INTERVAL_S
PROOF_SIZE = 1_000_000


@dataclass
class Case:
    backend: str
    batch: int
    without: list[float] = field(default_factory=list)
    with_ledger: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """The median of each round's ratio: a round's two halves ran side by side, so
        the load the rest of the machine puts on both is about the same."""
        return statistics.median(
            w / wo for w, wo in zip(self.with_ledger, self.without, strict=True)
        )


def timed_rate(append: Callable[[int], None], batch: int, seconds: float) -> float:
    """Events a second, appending batch after batch for ``seconds``: long enough for
    several of the extender's passes to fall inside a round."""
    calls = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        append(batch)
        calls += 1
    return calls * batch / elapsed


def extender_process(url: str, active: Event, stop: Event, interval: float, added: Any) -> None:
    """The extender as the projector runs it: a pass, then wait ``interval``."""
    engine = create_store_engine(url)
    try:
        while not stop.is_set():
            if not active.wait(0.05):
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


def measure_appends(
    backend: str, store: Any, seconds: float, rounds: int, interval: float
) -> tuple[list[Case], int]:
    cases: list[Case] = []
    context = multiprocessing.get_context("spawn")
    with store as (url, engine):
        active, stop, added = context.Event(), context.Event(), context.Value("q", 0)
        extender = context.Process(
            target=extender_process, args=(url, active, stop, interval, added), daemon=True
        )
        extender.start()
        try:
            for batch in BATCHES:
                case = Case(backend, batch)
                append: Callable[[int], None] = StoreAppender(EventStore(engine))
                fixed_rate(append, batch, batch * 20)  # warm caches and connections
                for round in range(rounds):
                    # Without, with; then with, without: a drift in the machine's load
                    # favours neither side.
                    for ledger_on in (False, True) if round % 2 == 0 else (True, False):
                        if ledger_on:
                            active.set()
                        rate = timed_rate(append, batch, seconds)
                        active.clear()
                        (case.with_ledger if ledger_on else case.without).append(rate)
                cases.append(case)
        finally:
            stop.set()
            active.set()
            extender.join(30)
        ledger.extend(engine)  # what the rounds appended last, so the tree is whole
        with engine.connect() as conn:
            size = ledger.tree_size(conn)
            logged = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        if size != logged:
            raise SystemExit(f"{backend}: the tree holds {size} leaves, the log {logged} events")
    return cases, int(added.value)


def synthetic_nodes(size: int) -> tuple[list[tuple[int, int, str, int | None]], list[bytes]]:
    leaves = [hashlib.sha256(f"leaf {i}".encode()).digest() for i in range(size)]
    leaf_hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    rows = [
        (level, idx, digest.hex(), idx + 1 if level == 0 else None)
        for level, idx, digest in merkle.extend(0, {}, leaf_hashes)
        if ledger.stored(level)
    ]
    return rows, leaf_hashes


def fill_ledger(engine: Engine, rows: list[tuple[int, int, str, int | None]]) -> None:
    if is_postgresql(engine):
        copy_in = "COPY ledger_nodes (level, idx, hash, position) FROM STDIN"
        with engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(copy_in) as copy:
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        return
    names = ("level", "idx", "hash", "position")
    with engine.begin() as conn:
        for start in range(0, len(rows), 100_000):
            chunk = rows[start : start + 100_000]
            conn.execute(
                insert(ledger_nodes), [dict(zip(names, row, strict=True)) for row in chunk]
            )


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
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds a round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--interval", type=float, default=DEPLOYED_INTERVAL_S)
    parser.add_argument("--skip-proof", action="store_true", help="no 1,000,000-event proof")
    args = parser.parse_args()
    cases: list[Case] = []
    extended: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        found, extended["sqlite"] = measure_appends(
            "sqlite", sqlite_store(Path(folder)), args.seconds, args.rounds, args.interval
        )
        cases += found
    found, extended["postgresql"] = measure_appends(
        "postgresql", postgres_store(args.postgres), args.seconds, args.rounds, args.interval
    )
    cases += found
    print(
        f"appends with the ledger's extender running (a pass every {args.interval:g} s, "
        "its own process) against appends without it"
    )
    print(f"{'backend':<11} {'events/append':>13} {'without ev/s':>12} {'with ev/s':>10} "
          f"{'ratio':>6} {'target':>7}")  # fmt: skip
    missed = [case for case in cases if case.ratio < TARGET]
    for case in cases:
        print(
            f"{case.backend:<11} {case.batch:>13} {statistics.median(case.without):>12.0f} "
            f"{statistics.median(case.with_ledger):>10.0f} {case.ratio:>6.2f} "
            f"{'>=' + str(TARGET):>7} {'MISSED' if case in missed else 'ok'}"
        )
    for backend, count in extended.items():
        print(f"{backend}: the extender added {count} leaves during the rounds")
    if not args.skip_proof:
        rows, leaves = synthetic_nodes(PROOF_SIZE)
        print(f"an inclusion proof at {PROOF_SIZE} events ({len(rows)} stored subtrees):")
        with tempfile.TemporaryDirectory() as folder:
            print(measure_proof("sqlite", sqlite_store(Path(folder)), rows, leaves))
        print(measure_proof("postgresql", postgres_store(args.postgres), rows, leaves))
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
