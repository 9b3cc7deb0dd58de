"""Events of the mail outbox (one stream per cycle year: ``outbox-<year>``).

A reminder or escalation the cycle recorded becomes a queued mail in the
``rm_outbox`` read model; these events record what became of each mail.
"""

from __future__ import annotations

from domain.events.base import DomainEvent
from domain.events.registry import REGISTRY
from domain.values import NonEmptyStr, Year


@REGISTRY.register
class MailDelivered(DomainEvent):
    """The mail server accepted the mail ``message_id`` for ``recipient``."""

    year: Year
    step: NonEmptyStr
    rung: NonEmptyStr
    recipient: NonEmptyStr
    message_id: NonEmptyStr


@REGISTRY.register
class MailFailed(DomainEvent):
    """The mail could not be delivered; ``permanent`` if the server refused it for good."""

    year: Year
    step: NonEmptyStr
    rung: NonEmptyStr
    recipient: NonEmptyStr
    message_id: NonEmptyStr
    reason: NonEmptyStr
    permanent: bool
