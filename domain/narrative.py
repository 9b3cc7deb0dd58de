"""Facts as a sentence a person reads: what each stored event says.

Pure: the events and a time zone in, text out. The CLI's timeline (``ascn.timeline``)
and the web pages' audit trail (``api.pages``) tell the same story.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.events import (
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
    ProgressReviewSubmitted,
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
)

DATE = "%a %d %b %Y"


def _who(people: Iterable[str]) -> str:
    return ", ".join(people) or "no one"


def _day(moment: datetime, zone: ZoneInfo) -> str:
    """The day ``moment`` falls on in ``zone``, as ``DATE`` writes it."""
    return moment.astimezone(zone).strftime(DATE)


def narrate(fact: DomainEvent, zone: ZoneInfo) -> str:
    if isinstance(fact, CycleOpened):
        return (
            f"cycle {fact.year} opens ({fact.template}): "
            f"Chair {fact.chair}, shepherd {fact.shepherd}"
        )
    if isinstance(fact, CyclePlanned):
        last = _day(max(step.deadline for step in fact.steps), zone)
        return f"cycle {fact.year} planned: {len(fact.steps)} steps, the last due {last}"
    if isinstance(fact, StepOpened):
        return f"{fact.step} opens, due {_day(fact.deadline, zone)}"
    if isinstance(fact, ReminderSent):
        return f"{fact.step}: reminder {fact.rung} to {_who(fact.recipients)}"
    if isinstance(fact, StepEscalated):
        return (
            f"{fact.step}: ESCALATED ({fact.rung}) to {fact.escalated_to}; "
            f"outstanding: {_who(fact.outstanding)}"
        )
    if isinstance(fact, DeadlineExtended):
        return f"{fact.step}: deadline extended to {_day(fact.new_deadline, zone)} ({fact.reason})"
    if isinstance(fact, StepApproved):
        return f"{fact.step}: approved by the Chair's team"
    if isinstance(fact, StepWaived):
        return f"{fact.step}: waived ({fact.reason})"
    if isinstance(fact, StepCompleted):
        left = f"; outstanding for the JCM report: {_who(fact.outstanding)}"
        return f"{fact.step} completed" + (left if fact.outstanding else "")
    if isinstance(fact, Noted):
        return f"{fact.decision} by the {fact.body}"
    if isinstance(fact, CycleCompleted):
        return f"cycle {fact.year} complete"
    return _chain(fact, zone) or _nominations(fact)


def _chain(fact: DomainEvent, zone: ZoneInfo) -> str | None:
    if isinstance(fact, BodyDecisionRecorded):
        sha = f", sha256 {fact.document_sha256[:12]}" if fact.document_sha256 else ""
        return (
            f"{fact.step}: {fact.body} {fact.decision.replace('_', ' ')} {fact.concerning} "
            f"at the {fact.meeting} on {fact.decided_on.strftime(DATE)}{sha} "
            f"(reference data v{fact.reference_version})"
        )
    if isinstance(fact, StepReopened):
        return (
            f"{fact.step} reopened: {fact.body} {fact.decision.replace('_', ' ')}; due "
            f"{_day(fact.new_deadline, zone)}"
        )
    if isinstance(fact, ReportSubmitted):
        who = "the Chair of the ASCN" if fact.submitter == "chair_of_ascn" else "the shepherd"
        if fact.version is not None and fact.document_sha256 is not None:
            named = f"version {fact.version} (sha256 {fact.document_sha256[:12]})"
            return f"{fact.step}: report {named} submitted by {who}"
        return f"{fact.step}: report submitted by {who}"
    if isinstance(fact, ReportDrafted):
        sections = ", ".join(s.heading for s in fact.narrative) or "no narrative"
        return (
            f"report version {fact.version} drafted (sha256 {fact.document_sha256[:12]}, as "
            f"of position {fact.as_of_position}; {sections})"
        )
    if isinstance(fact, ReportDraftSubmitted):
        return (
            f"{fact.step}: ASEC submits report version {fact.version} "
            f"(sha256 {fact.document_sha256[:12]})"
        )
    if isinstance(fact, ProgressReviewSubmitted):
        return f"{fact.step}: every active project assessed or accounted for (ASEC)"
    if isinstance(fact, CityProposed):
        capital = " (its capital)" if fact.capital else ""
        return f"{fact.member_state} proposes candidature city {fact.city}{capital}"
    if isinstance(fact, CityDecided):
        why = f" ({fact.reason})" if fact.reason else ""
        return f"candidature city {fact.city} ({fact.member_state}) {fact.decision}{why}"
    return None


def _nominations(fact: DomainEvent) -> str:
    if isinstance(fact, NominationsSubmitted):
        cities = ", ".join(f"{c.city}{'*' if c.capital else ''}" for c in fact.cities)
        used = f" (exception {', '.join(fact.exceptions_applied)})"
        return f"{fact.member_state} nominates {cities}" + (used if fact.exceptions_applied else "")
    if isinstance(fact, LateSubmissionRecorded):
        return f"{fact.member_state} submitted after the deadline: recorded as late"
    if isinstance(fact, ExceptionGranted):
        allows = f"up to {fact.max_cities} cities" if fact.max_cities else "no capital"
        return f"exception {fact.exception_id}: {fact.member_state} may nominate {allows}"
    if isinstance(fact, NilReturnDeclared):
        return f"{fact.member_state} declares no change ({fact.carried_forward_from} carries over)"
    return f"{fact.event_type}"
