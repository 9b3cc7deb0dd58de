"""The report read from the store, on SQLite and PostgreSQL: the live report, a draft
rebuilt from its record and checked, and a tampered event caught by that check."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import Engine, select, update

from domain.report import (
    DigestMismatch,
    ReportNotFound,
    build_report,
    canonical_json,
    document_sha256,
    from_json,
)
from eventstore.schema import events as events_table
from eventstore.store import EventStore
from reports.source import fingerprint, generate
from tests.report import seed


@pytest.fixture
def store(engine: Engine) -> EventStore:
    store = EventStore(engine)
    seed.append(store, seed.entries())
    return store


def test_the_live_report_is_the_builder_over_the_stores_events(store: EventStore) -> None:
    report = generate(store, seed.REFERENCE, 2019)
    expected = build_report(
        2019, seed.facts(), reference=seed.REFERENCE, as_of_position=store.last_position()
    )
    assert report.meta.as_of_position == store.last_position()
    assert report.meta.version is None
    assert canonical_json(report) == canonical_json(expected)
    assert report.nominations.totals.late == 1
    assert report.progress.totals.total == 6


def test_a_draft_is_rebuilt_as_of_its_position_and_checked(store: EventStore) -> None:
    as_of, sha = fingerprint(store, seed.REFERENCE, 2019, seed.NARRATIVE)
    seed.append(store, [seed.drafted(2019, 1, as_of, sha)])
    # Later facts change the live report, not draft 1.
    seed.append(store, seed.year_2019()[-2:-1])
    draft = generate(store, seed.REFERENCE, 2019, version=1)
    assert document_sha256(draft) == sha
    assert draft.meta.version == 1
    assert draft.meta.as_of_position == as_of
    assert draft.narrative == seed.NARRATIVE
    live = generate(store, seed.REFERENCE, 2019)
    assert live.meta.as_of_position > as_of
    assert live.narrative == seed.NARRATIVE  # the latest draft's narrative
    assert len(live.decisions.decisions) == len(draft.decisions.decisions) + 1
    # The next fingerprint numbers draft 2.
    _, second = fingerprint(store, seed.REFERENCE, 2019, ())
    assert second != sha


def test_a_tampered_event_fails_the_drafts_check_naming_both_digests(
    store: EventStore, engine: Engine
) -> None:
    as_of, sha = fingerprint(store, seed.REFERENCE, 2019, seed.NARRATIVE)
    seed.append(store, [seed.drafted(2019, 1, as_of, sha)])
    with engine.begin() as conn:
        row = conn.execute(
            select(events_table.c.position, events_table.c.data).where(
                events_table.c.type == "DeadlineExtended"
            )
        ).one()
        data = dict(row.data)
        data["reason"] = "A reason nobody gave"
        conn.execute(
            update(events_table).where(events_table.c.position == row.position).values(data=data)
        )
    with pytest.raises(DigestMismatch) as caught:
        generate(store, seed.REFERENCE, 2019, version=1)
    message = str(caught.value)
    assert "draft 1 of the 2019 report" in message
    assert f"recorded sha256 {sha}" in message
    computed = re.search(r"computed ([0-9a-f]{64}) from", message)
    assert computed is not None
    assert computed.group(1) != sha
    assert f"up to position {as_of}" in message


def test_unknown_year_and_version_are_named(store: EventStore) -> None:
    with pytest.raises(ReportNotFound, match="no cycle for 2031"):
        generate(store, seed.REFERENCE, 2031)
    with pytest.raises(ReportNotFound, match=r"no draft 3 \(drafts: none yet\)"):
        generate(store, seed.REFERENCE, 2019, version=3)


def test_the_json_form_round_trips_into_the_model(store: EventStore) -> None:
    report = generate(store, seed.REFERENCE, 2019)
    data = canonical_json(report)
    assert from_json(data) == report
    parsed = json.loads(data)
    assert list(parsed) == sorted(parsed)
    assert "@" not in data.decode()  # no e-mail address anywhere
