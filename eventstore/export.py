"""Export events as JSON lines, one event a line, for people and tools."""

from __future__ import annotations

import json
from typing import TextIO

from eventstore.store import EventStore


def export_events(store: EventStore, out: TextIO, *, stream_id: str | None = None) -> int:
    events = store.read_stream(stream_id) if stream_id is not None else store.iter_all()
    count = 0
    for event in events:
        out.write(json.dumps(event.export_dict(), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count
