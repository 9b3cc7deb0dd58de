"""What drafting the report needs to know: the position of the log the year's report is
as of, and its SHA-256 (``CycleDeps.fingerprint``: by default ``reports.source``, which
reads the event store)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.events import NarrativeSection
from domain.reference import ReferenceData
from eventstore.store import EventStore
from reports import source


class ReportFingerprint(Protocol):
    def fingerprint(
        self, year: int, narrative: Sequence[NarrativeSection], *, version: int,
        as_of_position: int | None = None,
    ) -> tuple[int, str]:  # fmt: skip
        """The position of the log the year's report is as of (the last, now), and the
        SHA-256 of that report numbered ``version``, with ``narrative``. The digest covers
        the number: a draft is recorded only as the version it was computed for.
        ``as_of_position``: the same report, labelled as of that position instead (what
        draft N's digest would be now, to tell a draft that repeats it)."""
        ...


@dataclass(frozen=True)
class StoreFingerprint:
    """The report as the event store has it (``reports.source.fingerprint``)."""

    store: EventStore
    reference: ReferenceData

    def fingerprint(
        self, year: int, narrative: Sequence[NarrativeSection], *, version: int,
        as_of_position: int | None = None,
    ) -> tuple[int, str]:  # fmt: skip
        return source.fingerprint(
            self.store, self.reference, year, narrative, version=version,
            as_of_position=as_of_position,
        )  # fmt: skip
