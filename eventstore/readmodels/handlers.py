"""Dispatch tables for projections: event type -> the handler of that event's model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from domain.events import DomainEvent
from eventstore.records import RecordedEvent

S = TypeVar("S")
E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[S, DomainEvent, RecordedEvent], None]


def on(kind: type[E], handle: Callable[[S, E, RecordedEvent], None]) -> tuple[str, Handler[S]]:
    """An entry of a dispatch table: ``kind``'s stored type name, and ``handle`` behind a
    check that the stored event decoded to ``kind`` (so each handler is typed for its own)."""

    def checked(state: S, fact: DomainEvent, event: RecordedEvent) -> None:
        if not isinstance(fact, kind):
            raise TypeError(f"{event.type} at {event.position} decoded as {type(fact).__name__}")
        handle(state, fact, event)

    return kind.event_type, checked
