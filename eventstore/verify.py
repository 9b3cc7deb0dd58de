"""Walk the store and check every stream's hash chain.

A rewritten event breaks its own hash; a deleted or reordered one breaks the next
event's version or ``prev_hash``. Deleting the newest events of a stream leaves a
shorter chain that is still valid: the chain cannot see truncation by itself.

The walk reads the stored ``data`` as text and decodes it itself, instead of going
through the store's reader: data rewritten into something that no longer decodes
(or is no longer an event's JSON object) is then one more broken link, named by its
stream and version, not an error that stops the walk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Text, cast, select

from eventstore.hashing import GENESIS_HASH, canonical_json, event_hash
from eventstore.schema import events as events_table
from eventstore.store import EventStore


@dataclass(frozen=True, slots=True)
class BrokenLink:
    stream_id: str
    version: int
    position: int
    reason: str

    def __str__(self) -> str:
        return (
            f"stream {self.stream_id!r} breaks at version {self.version} "
            f"(position {self.position}): {self.reason}"
        )


@dataclass(frozen=True, slots=True)
class VerifyReport:
    events_checked: int
    streams_checked: int
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_store(store: EventStore, *, page_size: int = 1000) -> VerifyReport:
    """Check events in position order; stop at the first broken link."""
    heads: dict[str, tuple[int, str]] = {}
    checked = 0
    for row in _stored_rows(store.engine, page_size):
        version, prev_hash = heads.get(row["stream_id"], (0, GENESIS_HASH))
        reason = _check(row, version, prev_hash)
        if reason:
            link = BrokenLink(row["stream_id"], row["version"], row["position"], reason)
            return VerifyReport(checked, len(heads), link)
        heads[row["stream_id"]] = (row["version"], row["hash"])
        checked += 1
    return VerifyReport(checked, len(heads), None)


def _stored_rows(engine: Engine, page_size: int) -> Iterator[dict[str, Any]]:
    """Every event row in position order, ``data`` as the text the database holds.

    The cast makes both backends hand over text: SQLite's stored JSON text as it is,
    PostgreSQL's JSONB in its own normal form (which decodes to the same value).
    """
    columns = [c for c in events_table.c if c.name != "data"]
    data_text = cast(events_table.c.data, Text).label("data")
    position = 0
    while True:
        query = (
            select(*columns, data_text)
            .where(events_table.c.position > position)
            .order_by(events_table.c.position)
            .limit(page_size)
        )
        with engine.connect() as conn:
            page = [row._asdict() for row in conn.execute(query)]
        if not page:
            return
        yield from page
        position = page[-1]["position"]


def _check(row: dict[str, Any], previous_version: int, previous_hash: str) -> str:
    if row["version"] != previous_version + 1:
        return f"expected version {previous_version + 1} after {previous_version}"
    if row["prev_hash"] != previous_hash:
        return "prev_hash does not match the hash of the event before it"
    try:
        data = json.loads(row["data"])
    except (TypeError, ValueError) as error:
        return f"the event's stored data does not decode as JSON ({error})"
    if not isinstance(data, dict):
        return f"the event's stored data is JSON but not an object ({type(data).__name__})"
    recomputed = event_hash(
        prev_hash=row["prev_hash"],
        stream_id=row["stream_id"],
        version=row["version"],
        event_id=row["event_id"],
        type=row["type"],
        schema_version=row["schema_version"],
        occurred_at=row["occurred_at"],
        actor=row["actor"],
        data_json=canonical_json(data),
    )
    if recomputed != row["hash"]:
        return "the event's content does not match its hash"
    return ""
