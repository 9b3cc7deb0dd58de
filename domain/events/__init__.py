"""Domain events and the registry that encodes and decodes them."""

from domain.events.base import DomainEvent
from domain.events.cycle import (
    CycleCompleted,
    CycleOpened,
    DeadlineExtended,
    Noted,
    NotedDecision,
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
    FeedIssued,
    FeedRevoked,
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
    "DeadlineExtended",
    "DomainEvent",
    "EncodedEvent",
    "EventRegistry",
    "ExceptionGranted",
    "ExceptionRule",
    "FeedIssued",
    "FeedRevoked",
    "LateSubmissionRecorded",
    "MailDelivered",
    "MailFailed",
    "NilReturnDeclared",
    "NominationsSubmitted",
    "Noted",
    "NotedDecision",
    "Person",
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
