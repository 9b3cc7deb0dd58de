"""Rows written through the driver's executemany read back as SQLAlchemy would store them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, select

from eventstore.readmodels import bulk
from eventstore.readmodels.schema import nominations, steps

JAKARTA = timezone(timedelta(hours=7))


def step(name: str, **values: Any) -> dict[str, Any]:
    row = {
        "year": 2027, "step": name, "state": "open", "settled_by": None,
        "opened_at": datetime(2027, 1, 15, 9, tzinfo=UTC),
        "deadline": datetime(2027, 3, 14, 23, 59, tzinfo=JAKARTA), "extensions": 0,
        "approved_by": None, "completed_at": None, "outstanding": ["nr:MY", "nr:SG"],
        "escalations": [], "reminders_sent": 0, "noted": [], "order_position": 1,
        "position": 1, "plan_order": None, "title": None, "owed_by": None, "opens_at": None,
    }  # fmt: skip
    return {**row, **values}


def read(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {row.step: row._asdict() for row in conn.execute(select(steps))}


def test_inserted_updated_and_deleted_rows_read_back_as_written(engine: Engine) -> None:
    rows = [
        step("a"),
        step("b", outstanding=[], noted=["endorsed by ACC"], reminders_sent=2),
        step("c", deadline=None, outstanding=["nr:MY", "nr:SG"], plan_order=3),
    ]
    with engine.begin() as conn:
        bulk.insert_rows(conn, steps, rows)
    written = read(engine)
    changed = {**rows[0], "state": "approved", "outstanding": [], "approved_by": "alice"}
    with engine.begin() as conn:
        bulk.update_rows(conn, steps, [changed])
        bulk.delete_rows(conn, steps, [{"year": 2027, "step": "b"}])
        bulk.insert_new_rows(conn, steps, [step("a", state="pending"), step("d")])

    assert written == {row["step"]: row for row in rows}
    # An instant stored and read back is the same instant, in UTC.
    assert written["a"]["deadline"].tzinfo == UTC
    assert read(engine) == {"a": changed, "c": rows[2], "d": step("d")}


def test_booleans_and_lists_of_one_value_are_not_confused(engine: Engine) -> None:
    base = {
        "year": 2027, "member_state": "MY", "capital": True, "csco_name": "C",
        "csco_email": "c@example.org", "nr_name": "N", "nr_email": "n@example.org",
        "carried_forward_from": None, "position": 1,
    }  # fmt: skip
    rows = [
        {**base, "city": "A", "late": True, "exception_ids": ["1"]},
        {**base, "city": "B", "late": False, "exception_ids": [1]},
        {**base, "city": "C", "late": True, "exception_ids": [True]},
    ]
    with engine.begin() as conn:
        bulk.insert_rows(conn, nominations, rows)
    with engine.connect() as conn:
        found = [
            r._asdict() for r in conn.execute(select(nominations).order_by(nominations.c.city))
        ]

    assert [(r["late"], r["exception_ids"]) for r in found] == [
        (True, ["1"]),
        (False, [1]),
        (True, [True]),
    ]
