"""Recording a decision: read a stream, let a domain rule decide, append what it says.

Event ids derive from the caller's idempotency key, so running the same request
twice (a retried activity, a replayed workflow) records its events once and
returns the same result, even though the rule would decide differently the second
time (an exception id, for one, is then already taken).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.actors import Actor
from domain.events import DomainEvent
from eventstore.codec import to_domain, to_new_event
from eventstore.errors import ConcurrencyError
from eventstore.store import EventStore

EVENT_ID_NAMESPACE = uuid.UUID("5f1b7c1e-6a0e-4c55-9f57-0a5c0e2d2018")
MAX_ATTEMPTS = 20


def event_id(idempotency_key: str, index: int) -> uuid.UUID:
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{idempotency_key}#{index}")


class AppendedFacts(BaseModel):
    """What a request recorded: event types and their global positions."""

    model_config = ConfigDict(frozen=True)

    stream_id: str
    types: tuple[str, ...]
    positions: tuple[int, ...]
    already_recorded: bool


Decide = Callable[[Sequence[DomainEvent]], list[DomainEvent]]


def record_decision(
    store: EventStore,
    *,
    stream_id: str,
    idempotency_key: str,
    decide: Decide,
    actor: Actor,
    occurred_at: datetime,
) -> AppendedFacts:
    """Run ``decide`` on the stream's events and append its events exactly once."""
    version = 0
    for _ in range(MAX_ATTEMPTS):
        earlier = _earlier(store, stream_id, idempotency_key)
        if earlier is not None:
            return earlier
        history = store.read_stream(stream_id)
        decided = decide([to_domain(event) for event in history])
        new_events = [
            to_new_event(
                event, event_id=event_id(idempotency_key, index), occurred_at=occurred_at,
                actor=actor,
            )
            for index, event in enumerate(decided)
        ]  # fmt: skip
        version = history[-1].version if history else 0
        if not new_events:
            return AppendedFacts(
                stream_id=stream_id, types=(), positions=(), already_recorded=False
            )
        try:
            result = store.append(stream_id, new_events, expected_version=version)
        except ConcurrencyError:
            # Someone else wrote to the stream: decide again on the new history,
            # after a short random pause so that racing writers spread out.
            time.sleep(random.uniform(0.001, 0.02))  # noqa: S311 (not security)
            continue
        return AppendedFacts(
            stream_id=stream_id,
            types=tuple(event.type for event in new_events),
            positions=result.positions,
            already_recorded=result.already_recorded,
        )
    raise ConcurrencyError(stream_id, version, store.stream_version(stream_id))


def _earlier(store: EventStore, stream_id: str, idempotency_key: str) -> AppendedFacts | None:
    first = store.read_event(event_id(idempotency_key, 0))
    if first is None:
        return None
    events = store.read_stream(stream_id, from_version=first.version)
    ids = {event_id(idempotency_key, index) for index in range(len(events))}
    mine = [e for e in events if e.event_id in ids]
    return AppendedFacts(
        stream_id=stream_id,
        types=tuple(e.type for e in mine),
        positions=tuple(e.position for e in mine),
        already_recorded=True,
    )
