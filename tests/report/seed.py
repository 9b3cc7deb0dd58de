"""A year of known facts (2019, with 2018 before it) for the report's content tests.

Each fact is written here once, with the figures the report must show derived by hand
in the tests that read them. Plans go through ``domain.plans.submit_plan`` (so a city's
name and versions are what the rules make); the rest are the events themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.actors import Actor
from domain.events import (
    BodyDecisionRecorded,
    CityDecided,
    CityNomination,
    CityProposed,
    CycleOpened,
    DeadlineExtended,
    DomainEvent,
    ExceptionGranted,
    LateSubmissionRecorded,
    NarrativeSection,
    NilReturnDeclared,
    NominationsSubmitted,
    PartnerAdded,
    Person,
    ProgressReviewSubmitted,
    ProjectAssessed,
    ProjectLaunchedAtMeeting,
    ProjectNotAssessed,
    ReportDrafted,
    ReportSubmitted,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
    StepReopened,
    StepWaived,
    TwinningPaired,
)
from domain.events.records import ActionPlanSubmitted
from domain.planning import plan_cycle, planned
from domain.plans import PlanState, submit_plan
from domain.reference import ReferenceData
from domain.report import Fact
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_new_event
from eventstore.store import EventStore
from tests.records.builders import plan, project

REFERENCE = ReferenceData.load()
JAKARTA = ZoneInfo("Asia/Jakarta")
SINGAPORE_ZONE = ZoneInfo("Asia/Singapore")
SYSTEM = Actor(id="engine", role="system")
TEAM_TH = Actor.chair_team("TH", "anan")
TEAM_SG = Actor.chair_team("SG", "wei")
ASEC = Actor(id="imd", role="asec")
SHEPHERD = Actor.shepherd("SG", "lim")
NR_TH = Actor.nr("TH", "somchai")

EXTENSION_REASON = "Several NRs changed after the elections"
WAIVER_REASON = "The ACC met before the report was ready"
DECLINE_REASON = "Proposed after the Chair's deadline"
SHA = "ab" * 32
NARRATIVE = (
    NarrativeSection(heading="Foreword", text="A year of steady progress.\n\nThanks to all."),
)


@dataclass(frozen=True)
class Entry:
    stream: str
    event: DomainEvent
    at: datetime
    actor: Actor


def _j(month: int, day: int, hour: int = 10, year: int = 2019) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=JAKARTA)


def _deadline(month: int, day: int, year: int = 2019, zone: ZoneInfo = JAKARTA) -> datetime:
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=zone)


def _person(name: str) -> Person:
    return Person(name=name, email=f"{name.lower().replace(' ', '.')}@example.org")


def _city(name: str, capital: bool, csco: str) -> CityNomination:
    return CityNomination(city=name, capital=capital, csco=_person(csco))


def _nominations(
    year: int, code: str, nr: str, cities: tuple[CityNomination, ...], at: datetime,
    exceptions: tuple[str, ...] = (),
) -> Entry:  # fmt: skip
    event = NominationsSubmitted(
        year=year, member_state=code, national_representative=_person(nr), cities=cities,
        exceptions_applied=exceptions,
    )  # fmt: skip
    return Entry(nominations_stream(code), event, at, Actor.nr(code, nr.split()[0].lower()))


def _step(year: int, event: DomainEvent, at: datetime, actor: Actor = SYSTEM) -> Entry:
    return Entry(cycle_stream(year), event, at, actor)


def _plans() -> list[Entry]:
    """Siem Reap (two versions: the second drops a project and adds one), Singapore, and
    Bangkok, whose plan starts in 2020 (so 2019 does not count it)."""
    entries: list[Entry] = []
    versions = [
        plan("KH-siem-reap", project(), project("waste", title="Waste sorting",
             focus_areas=("quality_environment",), status="planned")),
        plan("KH-siem-reap", project(), project("waste", title="Waste sorting",
             focus_areas=("quality_environment",), status="dropped"),
             project("wifi", title="Public Wi-Fi", focus_areas=("civic_and_social",),
                     status="planned")),
        plan("SG-singapore",
             project("digital-id", title="Digital identity",
                     focus_areas=("civic_and_social", "industry_and_innovation")),
             project("health-hub", title="Health hub", focus_areas=("health_and_well_being",)),
             project("old-project", title="Safer streets", focus_areas=("safety_and_security",),
                     status="completed")),
        plan("TH-bangkok", project("canals", title="Canal sensors"), start=2020),
    ]  # fmt: skip
    states: dict[str, PlanState] = {}
    for number, version in enumerate(versions):
        state = states.get(version.city_id, PlanState())
        (fact,) = submit_plan(state, version, REFERENCE)
        assert isinstance(fact, ActionPlanSubmitted)
        states[version.city_id] = state.apply(fact)
        actor = Actor(id="csco", role=f"csco:{version.city_id}")
        entries.append(Entry(f"plan-{version.city_id}", fact, _j(5, 1 + number, year=2018), actor))
    return entries


def _assessed(year: int, city: str, pid: str, status: str, revision: int, at: datetime) -> Entry:
    event = ProjectAssessed(
        year=year, city_id=city, project_id=pid, status=status,  # type: ignore[arg-type]
        evidence="Seen on site.", revision=revision,
    )  # fmt: skip
    return Entry(f"monitoring-{year}", event, at, ASEC)


def _sg(month: int, day: int) -> datetime:
    return datetime(2018, month, day, 10, tzinfo=SINGAPORE_ZONE)


def year_2018() -> list[Entry]:
    """The previous year: a cycle whose nominations closed on time with two returns."""
    plan_2018 = plan_cycle(REFERENCE, 2018, "inaugural-2018")
    return [
        _step(2018, CycleOpened(year=2018, chair="SG", shepherd="SG",
                                template="inaugural-2018"), _sg(1, 2)),
        _step(2018, planned(plan_2018), _sg(1, 2)),
        _step(2018, StepOpened(year=2018, step="nomination_deadline",
                               deadline=_deadline(2, 28, 2018, SINGAPORE_ZONE)), _sg(1, 15)),
        _nominations(2018, "SG", "Wei Ling", (_city("Singapore", True, "Tan Ah Kow"),),
                     _sg(2, 1)),
        _nominations(2018, "KH", "Sok Chea", (
            _city("Phnom Penh", True, "Chan Dara"), _city("Siem Reap", False, "Keo Sophal"),
            _city("Battambang", False, "Ly Vanna")), _sg(2, 5)),
        _step(2018, StepApproved(year=2018, step="nomination_deadline"), _sg(2, 20), TEAM_SG),
        _step(2018, StepCompleted(year=2018, step="nomination_deadline", outstanding=tuple(
            f"nr:{c}" for c in ("BN", "ID", "LA", "MY", "MM", "PH", "TH", "VN"))), _sg(2, 20)),
        Entry("partners", PartnerAdded(partner_id="jica", name="Japan International "
              "Cooperation Agency", kind="government", year=2018), _sg(3, 1), TEAM_SG),
        Entry("twinning-KH-siem-reap", TwinningPaired(
            city_id="KH-siem-reap", partner_id="jica", starts=date(2018, 8, 1),
            ends=date(2021, 7, 31)), _sg(8, 4), TEAM_SG),
    ]  # fmt: skip


def year_2019() -> list[Entry]:
    plan_2019 = plan_cycle(REFERENCE, 2019, "recurring")
    nomination = "nomination_deadline"
    others = ("BN", "ID", "LA", "MM", "PH", "VN")
    return [
        _step(2019, CycleOpened(year=2019, chair="TH", shepherd="SG", template="recurring"),
              _j(1, 2)),
        _step(2019, planned(plan_2019), _j(1, 2)),
        _step(2019, StepOpened(year=2019, step=nomination, deadline=_deadline(2, 28)),
              _j(1, 15)),
        _nominations(2019, "TH", "Somchai Boon", (_city("Bangkok", True, "Niran Chai"),
                     _city("Phuket", False, "Pim Sri")), _j(2, 1)),
        Entry(nominations_stream("SG"), NilReturnDeclared(year=2019, member_state="SG",
              carried_forward_from=2018), _j(2, 10), Actor.nr("SG", "wei")),
        _nominations(2019, "KH", "Sok Chea", (
            _city("Phnom Penh", True, "Chan Dara"), _city("Siem Reap", False, "Keo Sophal"),
            _city("Battambang", False, "Ly Vanna")), _j(2, 20)),
        Entry(nominations_stream("MY"), ExceptionGranted(
            year=2019, member_state="MY", exception_id="my-2019-four", rule="max_cities",
            max_cities=4, reason="Four pilot cities, as in 2018"), _j(2, 25), TEAM_TH),
        _step(2019, DeadlineExtended(year=2019, step=nomination,
              previous_deadline=_deadline(2, 28), new_deadline=_deadline(3, 7),
              reason=EXTENSION_REASON), _j(2, 27), TEAM_TH),
        _step(2019, StepEscalated(year=2019, step=nomination, rung="T+1",
              escalated_to="shepherd:SG", outstanding=tuple(
                  f"nr:{c}" for c in ("BN", "ID", "LA", "MY", "MM", "PH", "VN"))), _j(3, 8)),
        _nominations(2019, "MY", "Aziz Rahman", (
            _city("Kuala Lumpur", True, "Farah Ali"), _city("Johor Bahru", False, "Lee Mei"),
            _city("Kota Kinabalu", False, "Joe Lim"), _city("Kuching", False, "Ida Tan")),
            _j(3, 10), exceptions=("my-2019-four",)),
        Entry(nominations_stream("MY"), LateSubmissionRecorded(
            year=2019, member_state="MY", deadline=_deadline(3, 7), submitted_at=_j(3, 10)),
            _j(3, 10), Actor.nr("MY", "aziz")),
        _step(2019, StepApproved(year=2019, step=nomination), _j(3, 12), TEAM_TH),
        _step(2019, StepCompleted(year=2019, step=nomination,
              outstanding=tuple(f"nr:{c}" for c in others)), _j(3, 12)),
        Entry("membership", CityProposed(year=2019, member_state="TH", city="Chiang Mai",
              capital=False), _j(3, 1), NR_TH),
        Entry("membership", CityProposed(year=2019, member_state="VN", city="Hai Phong",
              capital=False), _j(3, 2), Actor.nr("VN", "minh")),
        Entry("membership", CityProposed(year=2019, member_state="PH", city="Iloilo City",
              capital=False), _j(3, 3), Actor.nr("PH", "jose")),
        _step(2019, StepOpened(year=2019, step="scgw", deadline=_deadline(5, 31)), _j(3, 12)),
        *_plans(),
        _step(2019, StepApproved(year=2019, step="scgw"), _j(5, 25), TEAM_TH),
        _step(2019, StepCompleted(year=2019, step="scgw"), _j(5, 25)),
        _step(2019, StepOpened(year=2019, step="progress_review", deadline=_deadline(6, 30)),
              _j(5, 25)),
        _assessed(2018, "SG-singapore", "digital-id", "ongoing", 1, _j(6, 1)),
        _assessed(2019, "KH-siem-reap", "smart-traffic", "ongoing", 1, _j(6, 2)),
        _assessed(2019, "KH-siem-reap", "smart-traffic", "completed", 2, _j(6, 3)),
        _assessed(2019, "SG-singapore", "digital-id", "stalled", 1, _j(6, 4)),
        Entry("monitoring-2019", ProjectNotAssessed(year=2019, city_id="KH-siem-reap",
              project_id="wifi", reason="No report from the city"), _j(6, 5), ASEC),
        _step(2019, ProgressReviewSubmitted(year=2019, step="progress_review"), _j(6, 20), ASEC),
        _step(2019, StepCompleted(year=2019, step="progress_review"), _j(6, 20)),
        _step(2019, StepOpened(year=2019, step="annual_meeting", deadline=_deadline(8, 31)),
              _j(6, 20)),
        Entry("partners", PartnerAdded(partner_id="adb", name="Asian Development Bank",
              kind="financial_institution", year=2019, source="annual_meeting"), _j(8, 23),
              TEAM_TH),
        Entry("partners", ProjectLaunchedAtMeeting(year=2019, city_id="SG-singapore",
              project_id="e-payments", title="Cashless city payments", partner_id="adb"),
              _j(8, 23), TEAM_TH),
        Entry("twinning-SG-singapore", TwinningPaired(city_id="SG-singapore", partner_id="adb",
              starts=date(2020, 1, 1), ends=date(2022, 12, 31)), _j(8, 23), TEAM_TH),
        Entry("membership", CityDecided(year=2019, member_state="TH", city="chiang mai",
              decision="accepted"), _j(8, 23), TEAM_TH),
        Entry("membership", CityDecided(year=2019, member_state="VN", city="Hai Phong",
              decision="declined", reason=DECLINE_REASON), _j(8, 23), TEAM_TH),
        _step(2019, StepApproved(year=2019, step="annual_meeting"), _j(8, 23), TEAM_TH),
        _step(2019, StepCompleted(year=2019, step="annual_meeting"), _j(8, 23)),
        _step(2019, StepOpened(year=2019, step="jcm_submission", deadline=_deadline(10, 15)),
              _j(8, 23)),
        _step(2019, ReportSubmitted(year=2019, step="jcm_submission", submitter="chair_of_ascn",
              version=1, document_sha256=SHA), _j(10, 1), NR_TH),
        _step(2019, StepEscalated(year=2019, step="jcm_submission", rung="T+1",
              escalated_to="chair_of_ascn:nr:TH", outstanding=("shepherd:SG",)), _j(10, 16)),
        _step(2019, ReportSubmitted(year=2019, step="jcm_submission", submitter="shepherd",
              version=1, document_sha256=SHA), _j(10, 20), SHEPHERD),
        _step(2019, BodyDecisionRecorded(year=2019, step="jcm_submission", body="JCM",
              decision="noted", decided_on=date(2019, 10, 25), meeting="Third JCM of 2019",
              concerning="ASCN annual report 2019, v1", document_sha256=SHA), _j(10, 25),
              TEAM_TH),
        _step(2019, StepCompleted(year=2019, step="jcm_submission"), _j(10, 25)),
        _step(2019, StepOpened(year=2019, step="acc", deadline=_deadline(11, 10)), _j(10, 25)),
        _step(2019, StepWaived(year=2019, step="acc", reason=WAIVER_REASON), _j(11, 1), TEAM_TH),
        _step(2019, StepCompleted(year=2019, step="acc"), _j(11, 1)),
        _step(2019, StepOpened(year=2019, step="summit", deadline=_deadline(11, 30)), _j(11, 1)),
        _step(2019, BodyDecisionRecorded(year=2019, step="summit", body="ASEAN Summit",
              decision="deferred", decided_on=date(2019, 11, 3), meeting="35th ASEAN Summit",
              concerning="ASCN annual report 2019, v1"), _j(11, 3), TEAM_TH),
        _step(2019, StepReopened(year=2019, step="summit", body="ASEAN Summit",
              decision="deferred", previous_deadline=_deadline(11, 30),
              new_deadline=_deadline(12, 20)), _j(11, 3), TEAM_TH),
    ]  # fmt: skip


def entries() -> list[Entry]:
    """Both years, in the order they are recorded (by time; ties keep the listing's)."""
    return sorted([*year_2018(), *year_2019()], key=lambda e: e.at.astimezone(UTC))


def facts(items: list[Entry] | None = None) -> list[Fact]:
    """The entries as the builder reads them, numbered from position 1."""
    return [
        Fact(position=n, stream_id=e.stream, event=e.event, occurred_at=e.at,
             recorded_at=e.at, actor=e.actor.label)
        for n, e in enumerate(entries() if items is None else items, start=1)
    ]  # fmt: skip


def append(store: EventStore, items: list[Entry]) -> None:
    for entry in items:
        new = to_new_event(entry.event, event_id=uuid.uuid4(), occurred_at=entry.at,
                           actor=entry.actor)  # fmt: skip
        store.append(entry.stream, [new], expected_version=store.stream_version(entry.stream))


def drafted(year: int, version: int, as_of: int, sha: str) -> Entry:
    event = ReportDrafted(year=year, version=version, as_of_position=as_of,
                          document_sha256=sha, narrative=NARRATIVE)  # fmt: skip
    return Entry(cycle_stream(year), event, _j(10, 1) + timedelta(minutes=version), ASEC)
