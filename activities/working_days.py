"""Each member state's working days, from the ``holidays`` package, for a cycle's plan.

Looked up once, when the cycle is planned (by the services as they start it, or by the
planning activity of the yearly Schedule), and carried in its plan
(``CyclePlan.civil``): the workflow computes its reminder times from that data alone
(``domain.civil_time``), so a history replays the same times even after the package,
pinned in pyproject.toml, is upgraded with other holidays. The weekend is the
country's own (Brunei's is Friday and Sunday).
"""

from __future__ import annotations

from importlib.metadata import version

import holidays

from domain.calendar import CyclePlan
from domain.civil_time import ASEC_STATE, CivilHours, WorkingDays
from domain.errors import ReferenceDataError
from domain.reference import ReferenceData

YEARS_AFTER = 2
"""Holidays are carried for the cycle's year and the two after it: an extension may move a
deadline up to a year past the end of the cycle's year, and its escalations weeks later."""
FIRST_YEAR, LAST_YEAR = 1970, 2200
"""The years the package is asked about; outside them only weekends count."""


def working_days(state: str, zone: str, years: range) -> WorkingDays:
    """``state``'s weekend and public holidays in ``years``; a state the package does not
    know works Monday to Friday, with no holidays."""
    asked = [y for y in years if FIRST_YEAR <= y <= LAST_YEAR]
    try:
        found = holidays.country_holidays(state, years=asked)
    except NotImplementedError:
        return WorkingDays(zone=zone)
    weekend = tuple(sorted(int(day) for day in found.weekend))
    return WorkingDays(zone=zone, weekend=weekend, holidays=tuple(found.keys()))


def civil_hours_for(
    reference: ReferenceData, year: int, states: tuple[str, ...], fallback_zone: str
) -> CivilHours:
    years = range(year, min(year + YEARS_AFTER, 9999) + 1)
    known: dict[str, WorkingDays] = {}
    for code in sorted(set(states)):
        try:
            zone = reference.member_state(code).zone or fallback_zone
        except ReferenceDataError:
            zone = fallback_zone
        known[code] = working_days(code, zone, years)
    return CivilHours(states=known, source=f"holidays {version('holidays')}")


def with_civil_hours(plan: CyclePlan, reference: ReferenceData) -> CyclePlan:
    """``plan`` with the working days of everyone its reminders and escalations reach:
    its member states, its Chair and shepherd, and ASEC (Jakarta)."""
    states = (*plan.member_states, plan.chair, plan.shepherd, ASEC_STATE)
    civil = civil_hours_for(reference, plan.year, states, plan.zone)
    return plan.model_copy(update={"civil": civil})
