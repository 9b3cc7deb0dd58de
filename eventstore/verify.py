"""Walk the store and check every stream's hash chain.

A rewritten event breaks its own hash; a deleted or reordered one breaks the next
event's version or ``prev_hash``. Deleting the newest events of a stream leaves a
shorter chain that is still valid: the chain cannot see truncation by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventstore.hashing import GENESIS_HASH, canonical_json, event_hash
from eventstore.records import RecordedEvent
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
    for event in store.iter_all(page_size=page_size):
        version, prev_hash = heads.get(event.stream_id, (0, GENESIS_HASH))
        reason = _check(event, version, prev_hash)
        if reason:
            link = BrokenLink(event.stream_id, event.version, event.position, reason)
            return VerifyReport(checked, len(heads), link)
        heads[event.stream_id] = (event.version, event.hash)
        checked += 1
    return VerifyReport(checked, len(heads), None)


def _check(event: RecordedEvent, previous_version: int, previous_hash: str) -> str:
    if event.version != previous_version + 1:
        return f"expected version {previous_version + 1} after {previous_version}"
    if event.prev_hash != previous_hash:
        return "prev_hash does not match the hash of the event before it"
    recomputed = event_hash(
        prev_hash=event.prev_hash,
        stream_id=event.stream_id,
        version=event.version,
        event_id=event.event_id,
        type=event.type,
        schema_version=event.schema_version,
        occurred_at=event.occurred_at,
        actor=event.actor,
        data_json=canonical_json(event.data),
    )
    if recomputed != event.hash:
        return "the event's content does not match its hash"
    return ""
