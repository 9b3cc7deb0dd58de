"""Event classes by type name, with upcasters for old schema versions."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

from pydantic import ValidationError

from domain.errors import (
    DuplicateEventType,
    DuplicateUpcaster,
    InvalidEventData,
    MissingUpcaster,
    UnknownEventType,
    UnsupportedSchemaVersion,
)
from domain.events.base import DomainEvent
from domain.values import line_of

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the data of version n into the data of version n + 1."""

E = TypeVar("E", bound=type[DomainEvent])


class EncodedEvent(NamedTuple):
    """An event as the store keeps it: type name, schema version and JSON data."""

    type: str
    schema_version: int
    data: dict[str, Any]


class EventRegistry:
    """Maps type names to event classes and upgrades old data on decode."""

    def __init__(self) -> None:
        self._classes: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: E) -> E:
        """Register an event class under its type name. Usable as a decorator."""
        name = cls.event_type
        existing = self._classes.get(name)
        if existing is not None and existing is not cls:
            raise DuplicateEventType(
                f"event type {name!r} is already registered to {existing.__module__}.{name}"
            )
        self._classes[name] = cls
        return cls

    def register_upcaster(self, event_type: str, from_version: int, fn: Upcaster) -> None:
        """Register ``fn`` to turn ``event_type`` data of ``from_version`` into the next."""
        key = (event_type, from_version)
        if key in self._upcasters:
            raise DuplicateUpcaster(
                f"an upcaster for {event_type} v{from_version} -> v{from_version + 1} "
                "is already registered"
            )
        self._upcasters[key] = fn

    def event_types(self) -> tuple[type[DomainEvent], ...]:
        """Every registered class, sorted by type name."""
        return tuple(self._classes[name] for name in sorted(self._classes))

    def class_for(self, event_type: str) -> type[DomainEvent]:
        try:
            return self._classes[event_type]
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise UnknownEventType(
                f"unknown event type {event_type!r}; registered: {known}"
            ) from None

    def encode(self, event: DomainEvent) -> EncodedEvent:
        cls = self.class_for(event.event_type)
        if type(event) is not cls:
            raise UnknownEventType(
                f"{type(event).__module__}.{type(event).__name__} is not the class "
                f"registered as {event.event_type!r}"
            )
        return EncodedEvent(event.event_type, cls.schema_version, event.model_dump(mode="json"))

    def decode(self, type: str, schema_version: int, data: Mapping[str, Any]) -> DomainEvent:
        """Upcast ``data`` step by step to the class's current version, then validate."""
        cls = self.class_for(type)
        current = cls.schema_version
        if not 1 <= schema_version <= current:
            raise UnsupportedSchemaVersion(
                f"{type} schema version {schema_version} is not supported: "
                f"this code reads versions 1 to {current}"
            )
        # Upcasters may change what they are given; validation alone does not.
        upgraded = copy.deepcopy(dict(data)) if schema_version < current else dict(data)
        for version in range(schema_version, current):
            step = self._upcasters.get((type, version))
            if step is None:
                raise MissingUpcaster(
                    f"cannot read {type} v{schema_version}: no upcaster from "
                    f"v{version} to v{version + 1}"
                )
            upgraded = step(upgraded)
        try:
            return cls.model_validate(upgraded)
        except ValidationError as exc:
            raise InvalidEventData(
                f"{type} v{schema_version} data does not validate as v{current}: {line_of(exc)}"
            ) from exc

    def decode_encoded(self, encoded: EncodedEvent) -> DomainEvent:
        return self.decode(encoded.type, encoded.schema_version, encoded.data)


REGISTRY = EventRegistry()
"""Every event of the domain; ``domain.events`` registers them all on import."""
