"""The nomination rules: pure functions from (ledger, command, reference) to events.

Each rule either returns every event the command causes or raises a DomainError
naming the problem; it never returns part of the result, and never changes the
ledger (which is immutable anyway).

The concept note's rule is up to three cities per AMS, its capital among them.
Real lists break it (Malaysia nominated four pilot cities): the Chair's team then
grants an explicit exception, and the rule itself stays as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from domain.commands import DeclareNilReturn, GrantException, SubmitNominations
from domain.errors import (
    CapitalMissing,
    DuplicateCity,
    DuplicateException,
    ExceptionReasonMissing,
    InvalidExceptionLimit,
    NoCitiesNominated,
    NotAMember,
    NothingToCarryForward,
    RepeatedReturn,
    TooManyCities,
    WrongLedger,
)
from domain.events.base import DomainEvent
from domain.events.nominations import (
    CityNomination,
    ExceptionGranted,
    LateSubmissionRecorded,
    NilReturnDeclared,
    NominationsSubmitted,
)
from domain.ledger import NominationLedger
from domain.reference import ReferenceData
from domain.values import MAX_CITIES_PER_MEMBER_STATE, MAX_CITIES_UNDER_EXCEPTION

__all__ = [
    "MAX_CITIES_PER_MEMBER_STATE",
    "NominationLedger",
    "declare_nil_return",
    "grant_exception",
    "refuse_repeat",
    "submit_nominations",
]


def submit_nominations(
    ledger: NominationLedger, cmd: SubmitNominations, reference: ReferenceData
) -> list[DomainEvent]:
    """Accept the NR's cities and CSCOs for a year, or refuse them whole."""
    code, year = cmd.member_state, cmd.year
    _check_ledger(ledger, code)
    _check_member(reference, code, cmd.submitted_at)
    if not cmd.cities:
        raise NoCitiesNominated(f"{code} nominated no city for {year}; at least one is required")
    nominated: list[CityNomination] = []
    for entry in cmd.cities:
        city = reference.city(code, entry.city)
        if any(n.city == city.name for n in nominated):
            raise DuplicateCity(f"{code} nominated {city.name} more than once for {year}")
        nominated.append(CityNomination(city=city.name, capital=city.capital, csco=entry.csco))
    applied = _max_cities_exception(ledger, code, year, len(nominated))
    if not any(n.capital for n in nominated):
        applied += _capital_exception(ledger, code, year, reference.capital_of(code))
    submitted = NominationsSubmitted(
        year=year,
        member_state=code,
        national_representative=cmd.national_representative,
        cities=tuple(nominated),
        exceptions_applied=tuple(applied),
        reference_version=cmd.reference_version,
    )
    return [submitted, *_late(code, year, cmd.submitted_at, cmd.deadline)]


def declare_nil_return(
    ledger: NominationLedger, cmd: DeclareNilReturn, reference: ReferenceData
) -> list[DomainEvent]:
    """A "no change" return: carry forward the most recent accepted nominations."""
    code, year = cmd.member_state, cmd.year
    _check_ledger(ledger, code)
    _check_member(reference, code, cmd.submitted_at)
    carried = ledger.latest_year_before(year)
    newcomer = not reference.is_member(code, date(year - 1, 1, 1))
    if carried is None and newcomer and not reference.cities_of(code, year - 1):
        # A member state with no member cities yet (Timor-Leste, admitted in 2025) has
        # nothing to carry: its first return names its cities.
        first = ", ".join(
            c.name + ("*" if c.capital else "") for c in reference.cities_of(code, year)
        )
        raise NothingToCarryForward(
            f"{code} has no member cities before {year}, so there is no change to declare: "
            f"its NR nominates its first cities (known for {year}: {first or 'none'}; "
            "an NR proposes a candidature city otherwise)"
        )
    if carried is None:
        raise NothingToCarryForward(
            f"{code} declared no change for {year}, but has no accepted nominations "
            f"before {year} to carry forward"
        )
    nil = NilReturnDeclared(
        year=year, member_state=code, carried_forward_from=carried,
        reference_version=cmd.reference_version,
    )  # fmt: skip
    return [nil, *_late(code, year, cmd.submitted_at, cmd.deadline)]


def grant_exception(
    ledger: NominationLedger, cmd: GrantException, reference: ReferenceData
) -> list[DomainEvent]:
    """The Chair's team grants one member state an exception to one rule for one year."""
    code, year = cmd.member_state, cmd.year
    _check_ledger(ledger, code)
    reference.member_state(code)
    reason = cmd.reason.strip()
    if not reason:
        raise ExceptionReasonMissing(
            f"exception {cmd.exception_id!r} ({cmd.rule}) for {code} in {year} needs a reason"
        )
    _check_limit(cmd)
    if ledger.has_exception_id(cmd.exception_id):
        raise DuplicateException(
            f"exception id {cmd.exception_id!r} is already used in {code}'s nomination ledger"
        )
    granted = ExceptionGranted(
        year=year,
        member_state=code,
        exception_id=cmd.exception_id,
        rule=cmd.rule,
        max_cities=cmd.max_cities,
        reason=reason,
        reference_version=cmd.reference_version,
    )
    return [granted]


def refuse_repeat(ledger: NominationLedger, decided: Sequence[DomainEvent]) -> None:
    """Refuse a return that only repeats the one standing for its year (the same cities,
    CSCOs and NR, or "no change" again): recording it again would change nothing, and two
    copies sent at once must not both count. A changed return replaces the standing one."""
    for event in decided:
        if not isinstance(event, NominationsSubmitted | NilReturnDeclared):
            continue
        standing = ledger.decision_for(event.year)
        # The same return under a newer reference data version changes nothing either.
        if standing is None or _unversioned(standing) != _unversioned(event):
            return
        code, year = event.member_state, event.year
        if isinstance(event, NilReturnDeclared):
            raise RepeatedReturn(
                f"{code} already declared no change for {year}; nothing was recorded"
            )
        raise RepeatedReturn(
            f"{code} already submitted these nominations for {year}; nothing was recorded"
        )


def _unversioned(event: DomainEvent) -> DomainEvent:
    if isinstance(event, NominationsSubmitted | NilReturnDeclared):
        return event.model_copy(update={"reference_version": 0})
    return event


# -- checks ------------------------------------------------------------------


def _check_ledger(ledger: NominationLedger, code: str) -> None:
    if ledger.member_state != code:
        raise WrongLedger(
            f"a command for {code} was given the nomination ledger of {ledger.member_state}"
        )


def _check_member(reference: ReferenceData, code: str, at: datetime) -> None:
    state = reference.member_state(code)
    on = at.date()
    if not reference.is_member(code, on):
        raise NotAMember(
            f"{code} ({state.name}) was not an ASEAN member on {on.isoformat()}: "
            f"it joined on {state.joined.isoformat()}"
        )


def _check_limit(cmd: GrantException) -> None:
    limit = MAX_CITIES_PER_MEMBER_STATE
    if cmd.rule == "max_cities" and (cmd.max_cities is None or cmd.max_cities <= limit):
        raise InvalidExceptionLimit(
            f"a max_cities exception for {cmd.member_state} in {cmd.year} must allow more "
            f"than {limit} cities; got max_cities={cmd.max_cities}"
        )
    beyond = cmd.max_cities is not None and cmd.max_cities > MAX_CITIES_UNDER_EXCEPTION
    if cmd.rule == "max_cities" and beyond:
        raise InvalidExceptionLimit(
            f"a max_cities exception for {cmd.member_state} in {cmd.year} may allow at most "
            f"{MAX_CITIES_UNDER_EXCEPTION} cities; got max_cities={cmd.max_cities}"
        )
    if cmd.rule == "capital_required" and cmd.max_cities is not None:
        raise InvalidExceptionLimit(
            f"a capital_required exception for {cmd.member_state} in {cmd.year} takes no "
            f"max_cities; got max_cities={cmd.max_cities}"
        )


def _max_cities_exception(ledger: NominationLedger, code: str, year: int, count: int) -> list[str]:
    """The id of the exception that allows ``count`` cities ([] if none is needed)."""
    limit = MAX_CITIES_PER_MEMBER_STATE
    if count <= limit:
        return []
    granted = [e for e in ledger.exceptions_for(year) if e.rule == "max_cities"]
    for exception in granted:
        if exception.max_cities is not None and count <= exception.max_cities:
            return [exception.exception_id]
    if not granted:
        raise TooManyCities(
            f"{code} nominated {count} cities for {year}; at most {limit} are allowed "
            "without an exception granted by the Chair's team"
        )
    best = max(e.max_cities or limit for e in granted)
    ids = ", ".join(e.exception_id for e in granted)
    raise TooManyCities(
        f"{code} nominated {count} cities for {year}; at most {best} are allowed under "
        f"the exception granted by the Chair's team ({ids})"
    )


def _capital_exception(ledger: NominationLedger, code: str, year: int, capital: str) -> list[str]:
    """The id of the exception that lets the capital be left out, or CapitalMissing."""
    for exception in ledger.exceptions_for(year):
        if exception.rule == "capital_required":
            return [exception.exception_id]
    raise CapitalMissing(
        f"{code}'s nominations for {year} leave out its capital {capital}; the capital "
        "must be among the cities unless the Chair's team grants a capital_required exception"
    )


def _late(code: str, year: int, submitted_at: datetime, deadline: datetime) -> list[DomainEvent]:
    if submitted_at <= deadline:
        return []
    late = LateSubmissionRecorded(
        year=year, member_state=code, deadline=deadline, submitted_at=submitted_at
    )
    return [late]
