"""The hash chain that makes tampering with a stream evident.

Each event's hash covers its predecessor's hash and every fact the event states
(stream, version, id, type, schema version, time, actor, data). ``position``
and ``recorded_at`` are assigned by the store and are left out, so the hash of
a fact does not depend on when or where it was written.

The hashed text is a JSON array of the envelope's fields in a fixed order, a
newline, and the canonical JSON of the data (sorted keys, no spaces). The data's
canonical JSON is also what the store writes, so an append encodes it once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    prev_hash: str,
    stream_id: str,
    version: int,
    event_id: UUID,
    type: str,
    schema_version: int,
    occurred_at: datetime,
    actor: str,
    data_json: str,
) -> str:
    envelope = canonical_json(
        [
            prev_hash,
            stream_id,
            version,
            str(event_id),
            type,
            schema_version,
            canonical_time(occurred_at),
            actor,
        ]
    )
    return hashlib.sha256(f"{envelope}\n{data_json}".encode()).hexdigest()
