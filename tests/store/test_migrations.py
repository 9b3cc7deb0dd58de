"""Alembic owns the schema: it upgrades, downgrades, and matches the tables in code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, inspect, select

from domain import merkle
from eventstore import ledger, migrate
from eventstore.schema import events as events_table
from eventstore.schema import metadata
from eventstore.store import EventStore
from tests.store.factories import events

STORE_TABLES = {
    "events", "projection_checkpoints", "rm_nominations", "rm_exceptions",
    "rm_cycles", "rm_steps", "rm_overdue", "api_users", "api_tokens", "rm_outbox",
    "api_feeds", "api_idempotency", "web_signin_links",
    "rm_plan_versions", "rm_plan_projects", "rm_assessments",
    "rm_not_assessed", "rm_partners", "rm_twinning", "rm_twinning_exceptions",
    "rm_meeting_outcomes", "ledger_tiles", "ledger_keys", "ledger_checkpoints",
}  # fmt: skip


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_leaves_no_drift(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert tables(empty_engine) == STORE_TABLES
    migrate.check(empty_engine)

    migrate.downgrade(empty_engine, "base")
    assert tables(empty_engine) == set()

    migrate.upgrade(empty_engine)
    migrate.check(empty_engine)
    store = EventStore(empty_engine)
    store.append("cycle-2018", events(2), expected_version=0)
    assert store.stream_version("cycle-2018") == 2


def test_upgrading_twice_is_harmless(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.upgrade(empty_engine)

    assert tables(empty_engine) == STORE_TABLES


@pytest.fixture
def table_missing_from_migrations() -> Iterator[None]:
    extra = Table("not_migrated", metadata, Column("id", Integer(), primary_key=True))
    yield
    metadata.remove(extra)


@pytest.mark.usefixtures("table_missing_from_migrations")
def test_check_reports_a_table_the_migrations_lack(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    with pytest.raises(migrate.SchemaDrift, match="not_migrated"):
        migrate.check(empty_engine)


def test_the_ledger_migration_builds_the_tree_of_events_already_stored(
    empty_engine: Engine,
) -> None:
    from tests.store.test_ledger_tree import assert_tree_matches_log

    migrate.upgrade(empty_engine)
    store = EventStore(empty_engine)
    version = 0
    for batch in [3, 1, 9, 1, 4]:
        store.append("cycle-2018", events(batch), expected_version=version)
        version += batch
    migrate.downgrade(empty_engine, "0008")
    assert not {"ledger_nodes", "ledger_tiles"} & tables(empty_engine)

    migrate.upgrade(empty_engine)

    assert_tree_matches_log(empty_engine)
    store.append("cycle-2018", events(5), expected_version=version)
    assert ledger.extend(empty_engine) == 5  # the extender goes on from the migration's tree
    assert_tree_matches_log(empty_engine)


def test_the_tiles_migration_moves_a_tree_kept_a_row_a_node_and_back(
    empty_engine: Engine,
) -> None:
    from tests.store.test_ledger_tree import assert_tree_matches_log

    migrate.upgrade(empty_engine, "0008")
    store = EventStore(empty_engine)
    version = 0
    for batch in [100, 1, 170, 2, 40]:  # 313 events: tiles of levels 0, 1 and 2
        store.append("cycle-2018", events(batch), expected_version=version)
        version += batch
    migrate.upgrade(empty_engine, "0014")  # 0009 builds the tree a row a node
    nodes = Table("ledger_nodes", MetaData(), autoload_with=empty_engine)
    with empty_engine.connect() as conn:
        as_nodes = {tuple(row) for row in conn.execute(select(nodes))}
    assert len(as_nodes) > 313

    migrate.upgrade(empty_engine)

    assert "ledger_nodes" not in tables(empty_engine)
    assert_tree_matches_log(empty_engine)
    store.append("cycle-2018", events(3), expected_version=version)
    assert ledger.extend(empty_engine) == 3
    assert_tree_matches_log(empty_engine)

    migrate.downgrade(empty_engine, "0014")

    assert "ledger_tiles" not in tables(empty_engine)
    with empty_engine.connect() as conn:
        back = {tuple(row) for row in conn.execute(select(nodes))}
    assert as_nodes < back  # what 0009 built, and the 3 events the extender added since
    assert back == nodes_as_0009_kept_them(empty_engine)


def nodes_as_0009_kept_them(engine: Engine) -> set[tuple[object, ...]]:
    """Every complete subtree but those of 2, 4 and 8 leaves, a row each."""
    from tests.store.test_ledger_tree import logged_leaves

    leaves = logged_leaves(engine)
    with engine.connect() as conn:
        positions = conn.execute(select(events_table.c.position).order_by("position"))
        position = [int(p) for p in positions.scalars()]
    subtree = merkle.subtrees_of(leaves)
    return {
        (level, idx, subtree(level, idx).hex(), position[idx] if level == 0 else None)
        for level in range(len(leaves).bit_length())
        if level not in (1, 2, 3)
        for idx in range(len(leaves) >> level)
    }
