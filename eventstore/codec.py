"""Between the domain's events and the store's records."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.actors import Actor
from domain.events import REGISTRY, DomainEvent
from eventstore.records import NewEvent, RecordedEvent


def to_new_event(
    event: DomainEvent, *, event_id: UUID, occurred_at: datetime, actor: Actor
) -> NewEvent:
    encoded = REGISTRY.encode(event)
    return NewEvent(
        event_id=event_id,
        type=encoded.type,
        schema_version=encoded.schema_version,
        data=encoded.data,
        occurred_at=occurred_at,
        actor=actor.label,
    )


def to_domain(recorded: RecordedEvent) -> DomainEvent:
    """The current model of a stored event, upcast from older schema versions (decoded
    once per record: a record is immutable, and so is its domain event)."""
    # Straight from pydantic's dict of private attributes: ``recorded._decoded`` goes
    # through ``BaseModel.__getattr__``, which cost more than a third of a decode.
    private = recorded.__pydantic_private__
    decoded = private.get("_decoded") if private is not None else None
    if decoded is None:
        decoded = REGISTRY.decode(recorded.type, recorded.schema_version, recorded.data)
        if private is not None:
            private["_decoded"] = decoded
    assert isinstance(decoded, DomainEvent)
    return decoded
