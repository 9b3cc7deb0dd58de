"""The domain's errors.

Every error is a :class:`DomainError`. The message is built where the error is
raised and names exactly what is wrong: the member state code, the city, the
counts, the rule. Callers may show it to users as it is.
"""

from __future__ import annotations


class DomainError(Exception):
    """Root of every error the domain raises on purpose."""


# Reference data -------------------------------------------------------------


class ReferenceDataError(DomainError):
    """A question about member states, cities, the Chair or the shepherd failed."""


class InvalidReferenceData(ReferenceDataError):
    """The reference data contradicts itself (duplicate codes, unknown states...)."""


class UnknownMemberState(ReferenceDataError):
    """No member state has that code."""


class UnknownCity(ReferenceDataError):
    """The member state has no city of that name."""


class UnknownChair(ReferenceDataError):
    """The Chair cannot be worked out for that year."""


class UnknownShepherd(ReferenceDataError):
    """No shepherd term covers that year."""


class NotAMember(DomainError):
    """The member state was not (yet) a member on the date in question."""


# Actors ---------------------------------------------------------------------


class InvalidActor(DomainError):
    """An actor label or role does not have the expected shape."""


class NotAuthorised(DomainError):
    """The actor's role may not do what was asked."""


# Events ---------------------------------------------------------------------


class EventError(DomainError):
    """Encoding, decoding or registering an event failed."""


class UnknownEventType(EventError):
    """No event class is registered under that type name."""


class DuplicateEventType(EventError):
    """Two different classes claim the same event type name."""


class DuplicateUpcaster(EventError):
    """An upcaster is already registered for that type and version."""


class UnsupportedSchemaVersion(EventError):
    """The stored schema version is newer than the code, or not a version at all."""


class MissingUpcaster(EventError):
    """A step in the upcasting chain from the stored version to the current one is missing."""


class InvalidEventData(EventError):
    """The stored data does not validate against the event class."""


# Nominations ----------------------------------------------------------------


class NominationError(DomainError):
    """A nomination, nil return or exception was refused."""


class WrongLedger(NominationError):
    """A command or event for one member state was applied to another's ledger."""


class NoCitiesNominated(NominationError):
    """A submission named no city at all."""


class DuplicateCity(NominationError):
    """A city appears twice in one submission."""


class TooManyCities(NominationError):
    """More cities than the rule (or the granted exception) allows."""


class CapitalMissing(NominationError):
    """The capital is not among the nominated cities and no exception allows that."""


class NothingToCarryForward(NominationError):
    """A nil return was declared but no earlier year has accepted nominations."""


class ExceptionReasonMissing(NominationError):
    """An exception was granted without a reason."""


class InvalidExceptionLimit(NominationError):
    """The exception's max_cities does not fit its rule."""


class DuplicateException(NominationError):
    """An exception id is already used in the member state's ledger."""


class RepeatedReturn(NominationError):
    """A return identical to the one standing for the year: it would change nothing."""
