"""Domain events and the registry that encodes and decodes them."""

from domain.events.base import DomainEvent
from domain.events.cycle import (
    CycleCompleted,
    CycleOpened,
    CyclePlanned,
    DeadlineExtended,
    Noted,
    NotedDecision,
    Owed,
    PlannedStepFact,
    ReminderSent,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
    StepWaived,
)
from domain.events.mail import MailDelivered, MailFailed
from domain.events.nominations import (
    CityNomination,
    ExceptionGranted,
    ExceptionRule,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
    Person,
)
from domain.events.registry import REGISTRY, EncodedEvent, EventRegistry, Upcaster
from domain.events.users import (
    TokenIssued,
    TokenRevoked,
    UserAdded,
    UserDisabled,
    UserEnabled,
)

__all__ = [
    "REGISTRY",
    "CityNomination",
    "CycleCompleted",
    "CycleOpened",
    "CyclePlanned",
    "DeadlineExtended",
    "DomainEvent",
    "EncodedEvent",
    "EventRegistry",
    "ExceptionGranted",
    "ExceptionRule",
    "LateSubmissionRecorded",
    "MailDelivered",
    "MailFailed",
    "NilReturnDeclared",
    "NominationsSubmitted",
    "Noted",
    "NotedDecision",
    "Owed",
    "Person",
    "PlannedStepFact",
    "ReminderSent",
    "StepApproved",
    "StepCompleted",
    "StepEscalated",
    "StepOpened",
    "StepWaived",
    "TokenIssued",
    "TokenRevoked",
    "Upcaster",
    "UserAdded",
    "UserDisabled",
    "UserEnabled",
]
