"""The Merkle tree the extender keeps off the append path, in tiles of 16 hashes:
complete, gap-free, never rebuilt, safe with concurrent appenders and extenders, and
cheap to prove from."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    event,
    func,
    select,
)

from domain import merkle
from eventstore import ledger
from eventstore.schema import events as events_table
from eventstore.schema import ledger_tiles
from eventstore.store import EventStore
from tests.store.factories import events
from tests.store.test_global_order import append_with_retries


def logged_leaves(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        hashes = conn.execute(select(events_table.c.hash).order_by(events_table.c.position))
        return [merkle.event_leaf(digest) for digest in hashes.scalars()]


def expected_tiles(leaves: list[bytes], positions: list[int]) -> dict[tuple[int, int], Any]:
    """The tiles a tree of these leaves is kept in, worked out from the leaves alone:
    tile k of level t holds the complete subtrees of 16**t leaves 16k to 16k + 15."""
    subtree = merkle.subtrees_of(leaves)
    tiles: dict[tuple[int, int], Any] = {}
    tile_level = 0
    while complete := len(leaves) >> (4 * tile_level):
        for first in range(0, complete, 16):
            slots = range(first, min(first + 16, complete))
            tiles[(tile_level, first // 16)] = (
                b"".join(subtree(4 * tile_level, slot) for slot in slots),
                ledger.pack_positions([positions[slot] for slot in slots])
                if tile_level == 0
                else None,
                positions[first] if tile_level == 0 else None,
            )
        tile_level += 1
    return tiles


def stored_tiles(engine: Engine) -> dict[tuple[int, int], Any]:
    with engine.connect() as conn:
        rows = conn.execute(select(ledger_tiles))
        return {
            (int(r.level), int(r.idx)): (
                bytes(r.hashes),
                None if r.positions is None else bytes(r.positions),
                r.first_position,
            )
            for r in rows
        }


def assert_tree_matches_log(engine: Engine) -> None:
    leaves = logged_leaves(engine)
    with engine.connect() as conn:
        event_positions = conn.execute(
            select(events_table.c.position).order_by(events_table.c.position)
        ).scalars()
        positions = [int(position) for position in event_positions]
        assert ledger.tree_size(conn) == len(leaves)
        assert ledger.root(conn, len(leaves)) == merkle.root(leaves)
        assert [leaf.position for leaf in ledger.leaves(conn, len(leaves))] == positions
    # Exactly the tiles of complete subtrees (16**t leaves), none missing, none extra.
    assert stored_tiles(engine) == expected_tiles(leaves, positions)


def tile_levels(size: int) -> int:
    """How many levels of tiles a tree of ``size`` leaves has (log16, rounded up)."""
    return (size.bit_length() + 3) // 4


def tile_count(size: int) -> int:
    return sum(-(-(size >> (4 * level)) // 16) for level in range(tile_levels(size)))


def ledger_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger_tiles)).scalar_one())


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
    first = stored_tiles(engine)
    store.append("cycle-2018", events(29), expected_version=37)
    asked: list[int] = []

    def note(*args: Any) -> None:
        if args[2].lstrip().startswith("SELECT") and "ledger_tiles.idx =" in args[2]:
            asked.append(len(args[3]) // 2)  # (level, idx) pairs

    event.listen(engine, "before_cursor_execute", note)
    try:
        ledger.extend(engine, batch_size=10)
    finally:
        event.remove(engine, "before_cursor_execute", note)

    after = stored_tiles(engine)
    # Every tile kept, or filled further: what it held, it still holds first.
    for key, (hashes, positions, first_position) in first.items():
        now_hashes, now_positions, now_first = after[key]
        assert now_hashes.startswith(hashes)
        assert (now_positions or b"").startswith(positions or b"")
        assert now_first == first_position
    # Only the tiles the 29 new leaves begin were added...
    assert len(after) - len(first) == tile_count(66) - tile_count(37)
    # ...from the tree's right edge alone: one read a batch, of its last tile of each level.
    assert len(asked) == 3
    assert all(0 < count <= tile_levels(66) for count in asked), asked
    assert_tree_matches_log(engine)


def test_a_call_stops_at_the_head_it_found_and_the_next_one_goes_on(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events appended while the extender works wait for its next call (its next pass),
    in one batch, instead of being chased a few at a time."""
    store = EventStore(engine)
    store.append("cycle-2018", events(30), expected_version=0)
    batches = ledger._extend_batch
    appended = 0

    def batch_then_more_events(*args: Any) -> tuple[int, int]:
        nonlocal appended
        done = batches(*args)
        if appended < 6:  # (a chasing extender would go on adding them)
            store.append("nominations-MY", events(2), expected_version=appended)
            appended += 2
        return done

    monkeypatch.setattr(ledger, "_extend_batch", batch_then_more_events)
    assert ledger.extend(engine, batch_size=10) == 30
    assert appended == 6  # three batches of 10, each followed by 2 more events
    monkeypatch.undo()

    assert ledger.extend(engine, batch_size=10) == 6
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
        if "ledger_tiles" in args[2]:
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

    # 300 = 256 + 32 + 8 + 4: a path has at most 9 entries, each the root of a subtree
    # or of a few at the right edge. Those of 1 to 8 leaves are in the leaf's tile of
    # level 0 or the last one, those of 16 to 128 leaves in one or the last tile of
    # level 1, and the one of 256 in the tile of level 2: two tiles a level at most.
    bound = 2 * tile_levels(size)
    with engine.connect() as conn:
        for index in [0, 1, 137, 255, 256, 299]:
            position = store_position(engine, index)
            with counting(engine) as statements:
                leaf = ledger.leaf_at_position(conn, position)
                path = ledger.inclusion_proof(conn, index, size)
            assert leaf is not None
            assert leaf.index == index
            assert merkle.verify_inclusion(index, size, leaf.hash, path, expected_root)
            # One query for the leaf, one for every tile its path needs.
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


def migration(name: str) -> Any:
    path = Path(__file__).parents[2] / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"ledger_migration_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def legacy_nodes(engine: Engine) -> Table:
    """``ledger_nodes`` as migration 0009 made it (a row a node), beside the tiles."""
    nodes = Table(
        "ledger_nodes",
        MetaData(),
        Column("level", Integer(), primary_key=True, autoincrement=False),
        Column("idx", BigInteger(), primary_key=True, autoincrement=False),
        Column("hash", String(64), nullable=False),
        Column("position", BigInteger(), nullable=True),
    )
    nodes.create(engine)
    return nodes


def legacy_rows(engine: Engine, nodes: Table) -> set[tuple[Any, ...]]:
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(select(nodes))}


def test_the_migrations_build_a_long_log_page_by_page_then_tile_it(engine: Engine) -> None:
    """0009 builds a row a node for the events already stored; 0015 regroups those rows
    into tiles (and back, on the way down), a few tiles a page."""
    store = EventStore(engine)
    version = 0
    for batch in [5, 1, 30, 2, 7, 200, 60, 3]:  # 308: tiles of levels 0, 1 and 2
        store.append("cycle-2018", events(batch), expected_version=version)
        version += batch
    nodes = legacy_nodes(engine)
    with engine.begin() as conn:
        migration("0009_ledger_nodes").bring_in_existing_events(conn, nodes, page_size=4)
    built = legacy_rows(engine, nodes)

    with engine.begin() as conn:
        migration("0015_ledger_tiles").nodes_to_tiles(conn, page_tiles=2)

    assert_tree_matches_log(engine)

    with engine.begin() as conn:
        conn.execute(delete(nodes))
        migration("0015_ledger_tiles").tiles_to_nodes(conn, page_tiles=3)
    assert legacy_rows(engine, nodes) == built


def test_the_extender_goes_on_from_where_the_migrations_left_the_tree(engine: Engine) -> None:
    store = EventStore(engine)
    store.append("cycle-2018", events(13), expected_version=0)
    nodes = legacy_nodes(engine)
    with engine.begin() as conn:
        migration("0009_ledger_nodes").bring_in_existing_events(conn, nodes, page_size=5)
        migration("0015_ledger_tiles").nodes_to_tiles(conn)
    store.append("cycle-2018", events(6), expected_version=13)

    assert ledger.extend(engine) == 6
    assert_tree_matches_log(engine)


def test_a_store_whose_nodes_have_a_gap_is_not_tiled(engine: Engine) -> None:
    store = EventStore(engine)
    store.append("cycle-2018", events(40), expected_version=0)
    nodes = legacy_nodes(engine)
    with engine.begin() as conn:
        migration("0009_ledger_nodes").bring_in_existing_events(conn, nodes)
        conn.execute(delete(nodes).where(nodes.c.level == 0, nodes.c.idx == 17))

    with pytest.raises(RuntimeError, match="lacks a subtree of level 0"), engine.begin() as conn:
        migration("0015_ledger_tiles").nodes_to_tiles(conn)


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
