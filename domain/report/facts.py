"""What the report is built from: decoded events with their envelope, and which of the
store's events a year's report needs at all (so a reader can skip the rest undecoded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.events import (
    ActionPlanSubmitted,
    BodyDecisionRecorded,
    CityDecided,
    CityProposed,
    CycleCompleted,
    CycleOpened,
    CyclePlanned,
    DeadlineExtended,
    DomainEvent,
    ExceptionGranted,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
    Noted,
    PartnerAdded,
    ProgressReviewSubmitted,
    ProjectAssessed,
    ProjectLaunchedAtMeeting,
    ProjectNotAssessed,
    ReminderSent,
    ReportDrafted,
    ReportDraftSubmitted,
    ReportSubmitted,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
    StepReopened,
    StepWaived,
    TwinningPaired,
)


@dataclass(frozen=True, slots=True)
class Fact:
    """A decoded event with the envelope the report needs: where it is in the global log,
    its stream, when it occurred and was recorded, and who caused it (``role/id``). The
    store's records are turned into these outside the domain (``reports.source``). A plain
    dataclass: a year's report folds thousands of them."""

    position: int
    stream_id: str
    event: DomainEvent
    occurred_at: datetime
    recorded_at: datetime
    actor: str


def _names(*types: type[DomainEvent]) -> frozenset[str]:
    return frozenset(t.event_type for t in types)


ALWAYS = _names(
    NominationsSubmitted,  # a nil return carries an earlier year's cities forward
    NilReturnDeclared,  # ... possibly through other nil returns
    CityProposed,  # the membership stream makes the reference data's cities
    CityDecided,
    ActionPlanSubmitted,  # each city's latest plan, whatever year it was submitted in
    PartnerAdded,  # partners' names
    TwinningPaired,  # a pair may have started years before
)
"""Event types the report of any year may need, whatever year they name."""
OF_THE_YEAR = _names(
    CycleOpened,
    CyclePlanned,
    StepOpened,
    ReminderSent,
    DeadlineExtended,
    StepEscalated,
    StepApproved,
    StepWaived,
    StepCompleted,
    StepReopened,
    Noted,
    CycleCompleted,
    BodyDecisionRecorded,
    ReportSubmitted,
    ReportDrafted,
    ReportDraftSubmitted,
    ProgressReviewSubmitted,
    ExceptionGranted,
    LateSubmissionRecorded,
    ProjectAssessed,
    ProjectNotAssessed,
    ProjectLaunchedAtMeeting,
)
"""Event types the report of a year needs when they name that year or the one before
(the comparison); every one of them has a ``year`` field."""


def needs(event_type: str, event_year: object, year: int) -> bool:
    """Whether the report of ``year`` reads an event of ``event_type`` naming
    ``event_year`` (its ``year`` field, None if it has none). A reader asks before it
    decodes; the builder reads only these, so skipping the others changes nothing."""
    if event_type in ALWAYS:
        return True
    return event_type in OF_THE_YEAR and event_year in (year, year - 1)


def utc(moment: datetime) -> datetime:
    """An instant in UTC (a naive one is taken as UTC): the report's canonical JSON holds
    every time the same way, whichever database or offset it came from. An instant with
    no date in UTC (the last hours of year 9999 west of Greenwich, the first of year 1
    east of it) keeps its own offset rather than overflow."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return moment
