"""The base of every domain event.

An event is a fact, named in the past tense. Who caused it and when it was
recorded travel in the event store's envelope, not in the event.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class DomainEvent(BaseModel):
    """A fact the domain records. Subclasses are frozen and reject unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: ClassVar[int] = 1
    """Bump it when the data's shape changes, and register an upcaster from the old one."""

    event_type: ClassVar[str] = "DomainEvent"
    """The type name stored with the event: the class name."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.event_type = cls.__name__
