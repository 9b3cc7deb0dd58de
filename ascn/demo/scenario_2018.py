"""The 2018 nominations, as the demo replays them.

The cities are the concept note's 26 pilot cities. Names of people and the days
each NR submitted are placeholders for the demo (the real ones are not public
record); Laos and Myanmar are made late on purpose so that lateness shows.
Malaysia's four cities break the three-city rule, so the Chair's team (Singapore,
ASEAN Chair 2018) grants an exception first, as the real process did.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.actors import Actor
from domain.commands import GrantException, NominatedCity, SubmitNominations
from domain.events import Person
from domain.reference import ReferenceData

YEAR = 2018
CALENDAR_ZONE = ZoneInfo("Asia/Singapore")
# "By end-February 2018": the end of that day in the calendar's zone.
NOMINATION_DEADLINE = datetime.combine(date(2018, 2, 28), time.max, tzinfo=CALENDAR_ZONE)
SUBMITTED_ON = {
    "BN": (2, 21), "KH": (2, 26), "ID": (2, 14), "LA": (3, 6), "MY": (2, 23),
    "MM": (3, 12), "PH": (2, 27), "SG": (2, 9), "TH": (2, 20), "VN": (2, 22),
}  # fmt: skip
CHAIR_TEAM = Actor(id="sg-chair-team", role="chair_team")


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def malaysia_exception() -> tuple[GrantException, datetime]:
    command = GrantException(
        year=YEAR,
        member_state="MY",
        granted_by=CHAIR_TEAM,
        exception_id="MY-2018-four-pilot-cities",
        rule="max_cities",
        max_cities=4,
        reason="Malaysia nominated four pilot cities for the inaugural year; "
        "the Chair's team accepted all four",
    )
    return command, datetime(2018, 2, 16, 10, 0, tzinfo=CALENDAR_ZONE)


def nominations(reference: ReferenceData) -> list[SubmitNominations]:
    commands = []
    for code, (month, day) in sorted(SUBMITTED_ON.items(), key=lambda item: item[1]):
        state = reference.member_state(code)
        cities = reference.cities_of(code, YEAR)
        commands.append(
            SubmitNominations(
                year=YEAR,
                member_state=code,
                submitted_by=Actor.nr(code, f"nr-{code.lower()}"),
                submitted_at=datetime(YEAR, month, day, 9, 30, tzinfo=CALENDAR_ZONE),
                deadline=NOMINATION_DEADLINE,
                national_representative=Person(
                    name=f"National Representative of {state.name}",
                    email=f"nr.{code.lower()}@ascn.example",
                ),
                cities=tuple(
                    NominatedCity(
                        city=city.name,
                        csco=Person(
                            name=f"CSCO of {city.name}",
                            email=f"csco.{_slug(city.name)}@ascn.example",
                        ),
                    )
                    for city in cities
                ),
            )
        )
    return commands
