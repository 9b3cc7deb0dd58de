"""What goes into the store and what comes out of it.

The store is generic: it knows streams, versions and JSON payloads, not the
domain's event classes. ``eventstore.codec`` bridges the two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PrivateAttr


class NewEvent(BaseModel):
    """An event about to be appended. Its id makes the append idempotent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    type: str = Field(min_length=1, max_length=200)
    schema_version: int = Field(default=1, ge=1)
    data: dict[str, Any]
    occurred_at: AwareDatetime
    actor: str = Field(min_length=1, max_length=200)


class RecordedEvent(BaseModel):
    """An event as the store holds it, with its place in the stream and in the log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int
    event_id: UUID
    stream_id: str
    version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    prev_hash: str
    hash: str
    _decoded: Any = PrivateAttr(default=None)
    """The domain event this record decodes to, once ``eventstore.codec`` has decoded it:
    the projections of one batch share the records, and each decodes only once."""

    def export_dict(self) -> dict[str, Any]:
        """The JSON-lines export shape, field order fixed for people reading it."""
        return {
            "position": self.position,
            "event_id": str(self.event_id),
            "stream_id": self.stream_id,
            "version": self.version,
            "type": self.type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "actor": self.actor,
            "data": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
