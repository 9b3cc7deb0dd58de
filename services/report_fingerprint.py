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
        self, year: int, narrative: Sequence[NarrativeSection], *, version: int
    ) -> tuple[int, str]:
        """The position of the log the year's report is as of (the last, now), and the
        SHA-256 of that report numbered ``version``, with ``narrative``. The digest covers
        the number: a draft is recorded only as the version it was computed for."""
        ...


@dataclass(frozen=True)
class StoreFingerprint:
    """The report as the event store has it (``reports.source.fingerprint``)."""

    store: EventStore
    reference: ReferenceData

    def fingerprint(
        self, year: int, narrative: Sequence[NarrativeSection], *, version: int
    ) -> tuple[int, str]:
        return source.fingerprint(self.store, self.reference, year, narrative, version=version)
