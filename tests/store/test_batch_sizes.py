"""A projection keeps a batch's rows in memory: the read models must not depend on where
the batches happen to end."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

from ascn.projections import all_projections
from domain.events import ExceptionGranted, NilReturnDeclared
from eventstore.projector import Projector
from eventstore.readmodels.schema import cycles, exceptions, nominations, outbox, overdue, steps
from eventstore.schema import projection_checkpoints
from eventstore.store import EventStore
from tests.store.test_cycle_read_model import Cycle

READ_MODELS = (cycles, steps, overdue, nominations, exceptions, outbox)


def read_models(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in READ_MODELS
        }


def forget(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (*READ_MODELS, projection_checkpoints):
            conn.execute(delete(table))


@pytest.mark.parametrize("batch_size", [1, 2, 7])
def test_small_batches_build_what_one_batch_builds(engine: Engine, batch_size: int) -> None:
    store = EventStore(engine)
    for year in (2018, 2019):
        Cycle(store, year).all_of_it()
    still_open = Cycle(store, 2020)
    still_open.opens()
    still_open.record(
        ExceptionGranted(year=2020, member_state="MY", exception_id="MY-2020", rule="max_cities",
                         max_cities=4, reason="four pilot cities"),
    )  # fmt: skip
    still_open.record(NilReturnDeclared(year=2020, member_state="MY", carried_forward_from=2019))
    still_open.reminds()
    still_open.escalates()
    Projector(engine, all_projections(), batch_size=10_000).run_once()
    whole = read_models(engine)
    forget(engine)

    Projector(engine, all_projections(), batch_size=batch_size).run_once()

    assert read_models(engine) == whole
    assert all(whole[table.name] for table in READ_MODELS)
