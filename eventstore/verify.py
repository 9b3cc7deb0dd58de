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

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Text, cast, select

from domain import merkle
from eventstore import ledger
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


@dataclass(frozen=True, slots=True)
class CheckpointReport:
    """The log against a signed checkpoint: do its first ``tree_size`` events still
    give the signed root, and if not, where is the first that differs?"""

    tree_size: int
    events_in_log: int
    first_difference: int | None
    """The first leaf (0-based index in position order) that differs, when it can be named."""
    message: str

    @property
    def ok(self) -> bool:
        return not self.message


def verify_checkpoint(
    engine: Engine, tree_size: int, root_hash: str, *, page_size: int = 1000
) -> CheckpointReport:
    """Rebuild the tree from the events' content (each hash recomputed, as stored rows
    may have been rewritten along with their hash) and compare it with the signed root.

    When it differs, the store's own leaves (``ledger_tiles``, level 0) say where, as
    long as they still give the signed root: then they are the leaves the checkpoint
    signed, and the first one the log no longer holds is named with its position.
    """
    now: list[tuple[bytes, int]] = []
    for row in _stored_rows(engine, page_size):
        now.append((merkle.event_leaf(_content_hash(row)), int(row["position"])))
    root = bytes.fromhex(root_hash)
    current = [leaf for leaf, _ in now[:tree_size]]
    if len(current) == tree_size and merkle.root(current) == root:
        return CheckpointReport(tree_size, len(now), None, "")
    with engine.connect() as conn:
        rows = ledger.leaves(conn, tree_size)
    signed = [leaf.hash for leaf in rows]
    if len(signed) != tree_size or merkle.root(signed) != root:
        return CheckpointReport(
            tree_size,
            len(now),
            None,
            f"the first {tree_size} events no longer give the signed root, and the store's "
            "own tree no longer matches the checkpoint either: it cannot say which differs",
        )
    index = next(
        (i for i, leaf in enumerate(signed) if i >= len(now) or now[i][0] != leaf), tree_size
    )
    then = rows[index].position
    if index >= len(now):
        message = (
            f"the log ends after {len(now)} events; the checkpoint signed {tree_size}: "
            f"from leaf {index} (position {then}) on, the tail is missing"
        )
    elif now[index][1] == then:
        message = (
            f"leaf {index} differs: the event at position {then} is not the one the "
            "checkpoint signed there"
        )
    else:
        message = (
            f"leaf {index} differs: the checkpoint signed the event at position {then}; "
            f"the log's leaf {index} is now the event at position {now[index][1]}"
        )
    return CheckpointReport(tree_size, len(now), index, message)


def _content_hash(row: dict[str, Any]) -> str:
    """The hash the row's content gives (of the raw text, when the data does not decode)."""
    try:
        data = json.loads(row["data"])
    except (TypeError, ValueError):
        return hashlib.sha256(f"undecodable\n{row['data']}".encode()).hexdigest()
    return event_hash(
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
