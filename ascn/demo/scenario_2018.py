"""The inaugural year as the demo replays it: who does what, and when.

The cities are the concept note's 26 pilot cities and the calendar is the note's
timeline. The names of people and the days each NR submitted are placeholders for
the demo (the real ones are not public record); Laos and Myanmar are made late on
purpose so that reminders and escalation show. Malaysia's four cities break the
three-city rule, so the Chair's team (Singapore, ASEAN Chair 2018) grants an
exception first, as the real process did; the rule itself is never loosened.

ASEC (IMD) drafts the annual report: version 1 in September, a foreword; version 2 after
IMD's assessments of October, which it submits. The Chair of the ASCN and the shepherd
(both Singapore in 2018) each submit version 2 to the JCM. Each body's decision up the
chain is entered by a person (the Chair's team, or ASEC for the ACC) and names version
2's SHA-256: the twinning programme noted at the 51st AMM, the report noted by the JCM on
9 November, noted by the ACC, and the Framework adopted and the network launched at the
33rd Summit. Brunei's candidature city is a placeholder of the demo (no city
joined in 2018): proposed by its NR in July, accepted by the Chair's team in August.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.actors import Actor
from domain.commands import NominatedCity
from domain.events import BodyDecision, NarrativeSection, Person
from domain.reference import ReferenceData
from services.commands import (
    AllowException,
    ApproveStep,
    DecideCity,
    DraftReport,
    ExtendDeadline,
    Nominate,
    ProposeCity,
    RecordDecision,
    SubmitReport,
    SubmitReportDraft,
)

YEAR = 2018
ZONE = ZoneInfo("Asia/Singapore")
CHAIR_TEAM = Actor.chair_team("SG", "sg-chair-team")
SHEPHERD = Actor.shepherd("SG", "sg-shepherd")
CHAIR_OF_ASCN = Actor.nr("SG", "nr-sg")  # the NR of the ASEAN Chair
ASEC = Actor(id="asec-imd", role="asec")

Command = (
    Nominate | AllowException | ApproveStep | ExtendDeadline | RecordDecision | SubmitReport
    | ProposeCity | DecideCity | DraftReport | SubmitReportDraft
)  # fmt: skip


@dataclass(frozen=True)
class Action:
    """Who asks the services for what, and when (the request id makes it idempotent)."""

    at: datetime
    actor: Actor
    command: Command


def at(month: int, day: int, hour: int = 9, minute: int = 30) -> datetime:
    return datetime(YEAR, month, day, hour, minute, tzinfo=ZONE)


SUBMITTED_ON = {
    "SG": at(2, 9), "ID": at(2, 14), "TH": at(2, 20), "BN": at(2, 21), "VN": at(2, 22),
    "MY": at(2, 23), "KH": at(2, 26), "PH": at(2, 27), "LA": at(3, 6), "MM": at(3, 12),
}  # fmt: skip
APPROVED_ON = {
    "nomination_deadline": at(3, 14, 17, 0),
    "framework_draft": at(3, 29, 17, 0),
    "scgw": at(5, 25, 17, 0),
    "annual_meeting": at(7, 8, 18, 0),
    "endorsement": at(10, 30, 17, 0),
}
# (step, body, decision, the day it decided, meeting, what it concerned, who enters it, when)
DECISIONS: list[tuple[str, str, BodyDecision, date, str, str, Actor, datetime]] = [
    ("twinning_announcement", "AMM", "noted", date(2018, 8, 2),
     "51st ASEAN Foreign Ministers' Meeting", "ASCN twinning programme, list of pairings v1",
     CHAIR_TEAM, at(8, 4, 12, 0)),
    ("jcm_submission", "JCM", "noted", date(2018, 11, 9), "Joint Consultative Meeting",
     "ASCN report 2018, v2", CHAIR_TEAM, at(11, 9, 18, 0)),
    ("acc", "ACC", "noted", date(2018, 11, 12), "21st ASEAN Coordinating Council",
     "ASCN report 2018, v2", ASEC, at(11, 12, 17, 0)),
    ("summit", "Summit", "adopted", date(2018, 11, 14), "33rd ASEAN Summit",
     "ASCN report 2018, v2, and the ASEAN Smart Cities Framework", CHAIR_TEAM,
     at(11, 15, 12, 0)),
]  # fmt: skip
# The drafter's own words: everything else in the report is computed from the events.
FOREWORD = NarrativeSection(
    heading="Foreword",
    text="The ASEAN Smart Cities Network's first year: 26 pilot cities of the ten member "
    "states, nominated by their National Representatives, drafted their action plans at "
    "the Smart Cities Governance Workshop in May and met their first partners at the "
    "annual meeting in Singapore on 8 July.",
)
PROGRESS = NarrativeSection(
    heading="Progress on the action plans",
    text="IMD assessed the active projects of the pilot cities whose plans were submitted "
    "in October. Siem Reap's water-quality monitoring has not started; IMD assesses it "
    "from 2019.",
)
# (when, version's narrative): v1 in September, v2 once IMD's October assessments are in.
DRAFTS = [(at(9, 14, 10, 0), (FOREWORD,)), (at(10, 26, 10, 0), (FOREWORD, PROGRESS))]
DRAFT_SUBMITTED_ON = at(10, 26, 11, 0)


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def nomination(reference: ReferenceData, code: str) -> Nominate:
    state = reference.member_state(code)
    return Nominate(
        year=YEAR,
        request_id=f"demo-2018/nominations/{code}",
        member_state=code,
        national_representative=Person(
            name=f"National Representative of {state.name}",
            email=f"nr.{code.lower()}@ascn.example",
        ),
        cities=tuple(
            NominatedCity(
                city=city.name,
                csco=Person(
                    name=f"CSCO of {city.name}", email=f"csco.{_slug(city.name)}@ascn.example"
                ),
            )
            for city in reference.cities_of(code, YEAR)
        ),
    )


def actions(reference: ReferenceData) -> list[Action]:
    script = [
        Action(
            SUBMITTED_ON[code], Actor.nr(code, f"nr-{code.lower()}"), nomination(reference, code)
        )
        for code in SUBMITTED_ON
    ]
    script.append(
        Action(
            at(2, 16, 10, 0),
            CHAIR_TEAM,
            AllowException(
                year=YEAR,
                request_id="demo-2018/exception/MY",
                member_state="MY",
                exception_id="MY-2018-four-pilot-cities",
                rule="max_cities",
                max_cities=4,
                reason="Malaysia nominated four pilot cities for the inaugural year; "
                "the Chair's team accepted all four",
            ),
        )
    )
    script.append(
        Action(
            at(10, 31, 18, 0),
            CHAIR_TEAM,
            ExtendDeadline(
                year=YEAR,
                request_id="demo-2018/extend/jcm_submission",
                step="jcm_submission",
                new_deadline=datetime(YEAR, 11, 9, 23, 59, 59, tzinfo=ZONE),
                reason="the JCM meets on 9 November; the report goes to that meeting",
            ),
        )
    )
    script += [
        Action(
            moment,
            CHAIR_TEAM,
            ApproveStep(year=YEAR, step=step, request_id=f"demo-2018/approve/{step}"),
        )
        for step, moment in APPROVED_ON.items()
    ]
    script += [
        Action(
            moment,
            who,
            RecordDecision(
                year=YEAR,
                request_id=f"demo-2018/decision/{step}/{body}",
                step=step,
                body=body,
                decision=decided,
                decided_on=on,
                meeting=meeting,
                concerning=concerning,
            ),
        )
        for step, body, decided, on, meeting, concerning, who, moment in DECISIONS
    ]
    script += [
        Action(moment, ASEC, DraftReport(year=YEAR, narrative=narrative,
                                         request_id=f"demo-2018/report/draft/{n}"))
        for n, (moment, narrative) in enumerate(DRAFTS, start=1)
    ]  # fmt: skip
    script.append(Action(DRAFT_SUBMITTED_ON, ASEC, SubmitReportDraft(
        year=YEAR, request_id="demo-2018/report/draft-submission")))  # fmt: skip
    script += [
        Action(at(11, 8, hour, 0), who,
               SubmitReport(year=YEAR, request_id=f"demo-2018/jcm-submission/{who.kind}"))
        for hour, who in ((11, CHAIR_OF_ASCN), (16, SHEPHERD))
    ]  # fmt: skip
    script += [
        Action(at(7, 20), Actor.nr("BN", "nr-bn"), ProposeCity(
            year=YEAR, request_id="demo-2018/candidature/BN", member_state="BN",
            city="Kuala Belait",
        )),
        Action(at(8, 10), CHAIR_TEAM, DecideCity(
            year=YEAR, request_id="demo-2018/candidature/BN/accepted", member_state="BN",
            city="Kuala Belait", decision="accepted",
        )),
    ]  # fmt: skip
    return sorted(script, key=lambda action: action.at)
