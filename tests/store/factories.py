from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from eventstore.records import NewEvent

WHEN = datetime(2018, 2, 28, 9, 30, tzinfo=UTC)


def new_event(
    type: str = "Something", data: dict[str, Any] | None = None, *, actor: str = "system/test"
) -> NewEvent:
    return NewEvent(
        event_id=uuid.uuid4(),
        type=type,
        data={"n": 1} if data is None else data,
        occurred_at=WHEN,
        actor=actor,
    )


def events(count: int, type: str = "Something") -> list[NewEvent]:
    return [new_event(type, {"n": index}) for index in range(count)]
