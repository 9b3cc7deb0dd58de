"""The Merkle tree the extender keeps off the append path: complete, gap-free, never
rebuilt, safe with concurrent appenders and extenders, and cheap to prove from."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, event, func, select

from domain import merkle
from eventstore import ledger
from eventstore.schema import events as events_table
from eventstore.schema import ledger_nodes
from eventstore.store import EventStore
from tests.store.factories import events
from tests.store.test_global_order import append_with_retries


def logged_leaves(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        hashes = conn.execute(select(events_table.c.hash).order_by(events_table.c.position))
        return [merkle.event_leaf(digest) for digest in hashes.scalars()]


def assert_tree_matches_log(engine: Engine) -> None:
    leaves = logged_leaves(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash))
        stored = {(int(r.level), int(r.idx)): r.hash for r in rows}
        positions = conn.execute(
            select(ledger_nodes.c.position)
            .where(ledger_nodes.c.level == 0)
            .order_by(ledger_nodes.c.idx)
        ).scalars()
        event_positions = conn.execute(
            select(events_table.c.position).order_by(events_table.c.position)
        ).scalars()
        assert list(positions) == list(event_positions)
        assert ledger.tree_size(conn) == len(leaves)
        assert ledger.root(conn, len(leaves)) == merkle.root(leaves)
    # Exactly the complete subtrees it keeps (not those of 2, 4 or 8 leaves), no gaps.
    subtree = merkle.subtrees_of(leaves)
    expected = {
        (level, idx): subtree(level, idx).hex()
        for level in range(max(len(leaves), 1).bit_length())
        if ledger.stored(level)
        for idx in range(len(leaves) >> level)
    }
    assert stored == expected


# The leaves a proof or an extension may read to rehash the subtrees of 2, 4 and 8 leaves.
DERIVED_LEAVES = 2 + 4 + 8


def complete_subtrees(size: int) -> int:
    return sum(size >> level for level in range(size.bit_length()) if ledger.stored(level))


def ledger_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger_nodes)).scalar_one())


def test_appends_never_touch_the_tree_and_the_extender_follows_them(engine: Engine) -> None:
    store = EventStore(engine)
    with engine.connect() as conn:
        assert ledger.tree_size(conn) == 0
        assert ledger.root(conn, 0) == merkle.EMPTY_ROOT
    version = 0
    for batch in [1, 1, 3, 1, 8, 2, 1, 17, 1]:
        before = ledger_rows(engine)
        store.append("cycle-2018", events(batch), expected_version=version)
        version += batch
        store.append(f"nominations-{version}", events(1), expected_version=0)
        assert ledger_rows(engine) == before  # the append path wrote no node

        assert ledger.extend(engine, batch_size=4) == batch + 1
        assert_tree_matches_log(engine)
    assert ledger.extend(engine) == 0


def test_the_extender_adds_to_the_tree_and_never_rewrites_it(engine: Engine) -> None:
    store = EventStore(engine)
    store.append("cycle-2018", events(37), expected_version=0)
    ledger.extend(engine, batch_size=10)
    with engine.connect() as conn:
        first = {tuple(row) for row in conn.execute(select(ledger_nodes))}
    store.append("cycle-2018", events(29), expected_version=37)
    asked: list[int] = []

    def note(*args: Any) -> None:
        if "ledger_nodes.idx =" in args[2]:
            asked.append(len(args[3]) // 2)  # (level, idx) pairs

    event.listen(engine, "before_cursor_execute", note)
    try:
        ledger.extend(engine, batch_size=10)
    finally:
        event.remove(engine, "before_cursor_execute", note)

    with engine.connect() as conn:
        after = {tuple(row) for row in conn.execute(select(ledger_nodes))}
    assert first < after  # every node kept as it was
    # Only the complete subtrees the 29 new leaves make were added...
    assert len(after) - len(first) == complete_subtrees(66) - complete_subtrees(37)
    # ...from the tree's right edge alone: one read a batch, of at most log2(n) nodes
    # (and the leaves of the subtrees of 2, 4 and 8 leaves on it, which are not kept).
    assert len(asked) == 3
    assert all(0 < count <= (66).bit_length() + DERIVED_LEAVES for count in asked), asked
    assert_tree_matches_log(engine)


def test_an_idempotent_repeat_adds_no_leaf(engine: Engine) -> None:
    store = EventStore(engine)
    batch = events(3)
    store.append("cycle-2018", batch, expected_version=0)
    store.append("cycle-2018", batch, expected_version=0)
    ledger.extend(engine)

    assert_tree_matches_log(engine)
    with engine.connect() as conn:
        assert ledger.tree_size(conn) == 3


def test_concurrent_appenders_and_extenders_leave_one_tree_over_the_whole_log(
    engine: Engine,
) -> None:
    store = EventStore(engine)
    streams = ["cycle-2018", "cycle-2018", "nominations-MY", "nominations-TH"]
    writers = [
        threading.Thread(target=append_with_retries, args=(store, stream, 10)) for stream in streams
    ]
    done = threading.Event()
    failures: list[BaseException] = []

    def keep_extending() -> None:
        try:
            while not done.is_set():
                ledger.extend(engine, batch_size=3)
        except BaseException as error:  # reported below
            failures.append(error)

    extenders = [threading.Thread(target=keep_extending) for _ in range(3)]
    for thread in [*extenders, *writers]:
        thread.start()
    for writer in writers:
        writer.join()
    done.set()
    for extender in extenders:
        extender.join()
    ledger.extend(engine)

    assert failures == []
    assert len(logged_leaves(engine)) == 80
    assert_tree_matches_log(engine)


@contextmanager
def counting(engine: Engine) -> Iterator[list[int]]:
    """The bind parameters of each ledger query (a (level, idx) pair a node)."""
    statements: list[int] = []

    def count(*args: Any) -> None:
        if "ledger_nodes" in args[2]:
            statements.append(len(args[3]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_proofs_read_logarithmically_many_rows_in_one_query(engine: Engine) -> None:
    store = EventStore(engine)
    store.append("cycle-2018", events(200), expected_version=0)
    store.append("cycle-2019", events(100), expected_version=0)
    ledger.extend(engine)
    leaves = logged_leaves(engine)
    size = len(leaves)
    expected_root = merkle.root(leaves)

    # 300 = 256 + 32 + 8 + 4: a path has at most 9 entries, and the right edge's
    # entries are rebuilt from the 4 subtrees the tree ends with; the subtrees of 2, 4
    # and 8 leaves it needs are rehashed from their leaves (at most 14 more rows, twice
    # over for a consistency proof's two edges).
    bound = 2 * size.bit_length() + 2 * DERIVED_LEAVES
    with engine.connect() as conn:
        for index in [0, 1, 137, 255, 256, 299]:
            position = store_position(engine, index)
            with counting(engine) as statements:
                leaf = ledger.leaf_at_position(conn, position)
                path = ledger.inclusion_proof(conn, index, size)
            assert leaf is not None
            assert leaf.index == index
            assert merkle.verify_inclusion(index, size, leaf.hash, path, expected_root)
            # One query for the leaf, one for every node its path needs.
            assert len(statements) == 2
            assert statements[1] // 2 <= bound
        for old in [1, 7, 128, 255, 299]:
            with counting(engine) as statements:
                path = ledger.consistency_proof(conn, old, size)
            assert merkle.verify_consistency(
                old, size, merkle.root(leaves[:old]), expected_root, path
            )
            assert len(statements) <= 1
            assert sum(statements) // 2 <= bound


def store_position(engine: Engine, index: int) -> int:
    with engine.connect() as conn:
        positions = conn.execute(
            select(events_table.c.position).order_by(events_table.c.position).offset(index).limit(1)
        )
        return int(positions.scalar_one())


def test_the_migration_builds_a_long_log_page_by_page(engine: Engine) -> None:
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0009_ledger_nodes.py"
    spec = importlib.util.spec_from_file_location("ledger_migration_0009", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    store = EventStore(engine)
    version = 0
    for batch in [5, 1, 30, 2, 7]:
        store.append("cycle-2018", events(batch), expected_version=version)
        version += batch
    with engine.begin() as conn:
        conn.execute(delete(ledger_nodes))

    with engine.begin() as conn:
        migration.bring_in_existing_events(conn, ledger_nodes, page_size=4)

    assert_tree_matches_log(engine)


def test_the_extender_goes_on_from_where_the_migration_left_the_tree(engine: Engine) -> None:
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0009_ledger_nodes.py"
    spec = importlib.util.spec_from_file_location("ledger_migration_0009", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    store = EventStore(engine)
    store.append("cycle-2018", events(13), expected_version=0)
    with engine.begin() as conn:
        migration.bring_in_existing_events(conn, ledger_nodes, page_size=5)
    store.append("cycle-2018", events(6), expected_version=13)

    assert ledger.extend(engine) == 6
    assert_tree_matches_log(engine)


def test_the_projectors_pass_extends_the_tree_and_so_does_the_command(
    engine: Engine, database_url: str
) -> None:
    from ascn.projections import app_projector
    from tests.store.test_ledger_checkpoints import ascn

    store = EventStore(engine)
    store.append("cycle-2018", events(5), expected_version=0)

    app_projector(engine).run_once()
    assert_tree_matches_log(engine)

    store.append("cycle-2018", events(3), expected_version=5)
    extended = ascn("ledger", "extend", "--db", database_url)
    assert extended.exit_code == 0, extended.output
    assert "3 events added; the tree holds 8" in extended.output
    assert_tree_matches_log(engine)
