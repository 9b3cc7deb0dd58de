"""Stored events as lines a person reads: date, who, what."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from domain.events import (
    DomainEvent,
    ExceptionGranted,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
)
from eventstore.codec import to_domain
from eventstore.records import RecordedEvent


def describe(fact: DomainEvent) -> str:
    if isinstance(fact, NominationsSubmitted):
        cities = ", ".join(
            f"{city.city}{' (capital)' if city.capital else ''}" for city in fact.cities
        )
        used = f" under exception {', '.join(fact.exceptions_applied)}"
        return f"{fact.member_state} nominated {cities}" + (used if fact.exceptions_applied else "")
    if isinstance(fact, LateSubmissionRecorded):
        return (
            f"{fact.member_state} submitted late: deadline was "
            f"{fact.deadline.strftime('%d %b %Y %H:%M %Z')}"
        )
    if isinstance(fact, ExceptionGranted):
        allowance = f"up to {fact.max_cities} cities" if fact.max_cities else "no capital"
        return f"Chair's team granted {fact.member_state} an exception: {allowance}"
    if isinstance(fact, NilReturnDeclared):
        return f"{fact.member_state} declared no change: {fact.carried_forward_from} carries over"
    return f"{fact.event_type}: {fact.model_dump(mode='json')}"


def timeline_line(event: RecordedEvent, zone: ZoneInfo) -> tuple[str, str, str]:
    when = event.occurred_at.astimezone(zone).strftime("%a %d %b %Y %H:%M")
    return when, event.actor, describe(to_domain(event))
