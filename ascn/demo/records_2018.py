"""What the chain carried in 2018 besides its timetable, as the demo replays it: action
plans of a handful of pilot cities (drafted at the SCGW in May, one revised later),
the external partners the Chair's team listed, the first annual meeting's outcome in
July (a partner brought in and a project launched with it), two twinning pairs
announced at the AMM in August, and IMD's assessments in October.

The focus areas are the framework's six; the projects, partners' pairings and people
are placeholders for the demo, in the spirit of the concept note (the real plans are
not public record here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rich.console import Console
from sqlalchemy import Engine

from ascn.demo.scenario_2018 import CHAIR_TEAM, YEAR, at
from domain.actors import Actor
from domain.events.records import Milestone, Project
from domain.monitoring import AssessProject, ExplainNotAssessed
from domain.partners import AddPartner, Launch, NewPartner, PairCity, RecordMeetingOutcome
from domain.plans import ActionPlan
from eventstore.readmodels.records import (
    latest_plans,
    outcomes_of,
    partner_list,
    project_progress,
    twinning_pairs,
)
from services import records
from services.records import RecordsDeps

IMD = Actor(id="asec-imd", role="asec")
Command = (
    ActionPlan | AssessProject | ExplainNotAssessed | AddPartner | RecordMeetingOutcome | PairCity
)


@dataclass(frozen=True)
class Action:
    at: datetime
    actor: Actor
    command: Command
    request_id: str


def csco(city_id: str) -> Actor:
    return Actor(id=f"csco-{city_id.lower()}", role=f"csco:{city_id}")


def _project(pid: str, title: str, areas: tuple[str, ...], lines: tuple[str, ...],
             partners: tuple[str, ...] = (), status: str = "planned",
             milestones: tuple[tuple[str, date], ...] = ()) -> Project:  # fmt: skip
    return Project(
        project_id=pid, title=title, focus_areas=areas, action_lines=lines, partners=partners,
        status=status,  # type: ignore[arg-type]
        milestones=tuple(Milestone(title=t, due=d) for t, d in milestones),
    )  # fmt: skip


def _plan(city_id: str, *projects: Project) -> ActionPlan:
    return ActionPlan(city_id=city_id, period_start=2018, period_end=2025, projects=projects)


SIEM_REAP = _plan(
    "KH-siem-reap",
    _project("heritage-traffic", "Traffic management around the Angkor heritage area",
             ("built_infrastructure", "quality_environment"),
             ("Sensors on the main tourist routes", "A public transport pilot to the temples"),
             milestones=(("Traffic study", date(2019, 6, 30)),)),
    _project("water-quality", "Water-quality monitoring of the Siem Reap river",
             ("health_and_well_being", "quality_environment"),
             ("Monitoring stations", "Open data on water quality")),
)  # fmt: skip
DA_NANG = _plan(
    "VN-da-nang",
    _project("ioc", "Intelligent operations centre", ("safety_and_security", "civic_and_social"),
             ("One centre for emergencies and city services",), status="ongoing",
             milestones=(("Centre opens", date(2019, 12, 31)),)),
    _project("smart-water", "Smart water supply", ("built_infrastructure",),
             ("Metering and leak detection",)),
)  # fmt: skip
MAKASSAR = _plan(
    "ID-makassar",
    _project("lorong-garden", "Smart community gardens", ("civic_and_social",
             "quality_environment"), ("Sensors and a community app for lane gardens",),
             status="ongoing"),
)  # fmt: skip
SINGAPORE = _plan(
    "SG-singapore",
    _project("digital-identity", "National digital identity for city services",
             ("industry_and_innovation", "civic_and_social"),
             ("One sign-in for public and private services",), status="ongoing"),
    _project("eldercare-sensors", "Sensors for seniors living alone",
             ("health_and_well_being",), ("Alerts to caregivers on unusual inactivity",)),
)  # fmt: skip
DA_NANG_REVISED = _plan(
    "VN-da-nang",
    DA_NANG.projects[0],
    DA_NANG.projects[1],
    _project("startup-hub", "Innovation hub for start-ups", ("industry_and_innovation",),
             ("Incubation space", "Links with the private sector"), partners=("ADB",)),
)  # fmt: skip

PARTNERS = [
    AddPartner(partner_id="japan", name="Government of Japan", kind="government", year=YEAR),
    AddPartner(partner_id="adb", name="Asian Development Bank", kind="financial_institution",
               year=YEAR),
    AddPartner(partner_id="world-bank", name="World Bank", kind="multilateral_body", year=YEAR),
]  # fmt: skip
OUTCOME = RecordMeetingOutcome(
    year=YEAR,
    partners=(NewPartner(partner_id="smart-mobility-co", name="A smart-mobility solution "
                         "provider (demo)", kind="private_sector"),),
    launches=(Launch(city_id="KH-siem-reap", project_id="heritage-traffic",
                     title="Traffic management around the Angkor heritage area",
                     partner_id="smart-mobility-co"),),
)  # fmt: skip
PAIRS = [
    PairCity(city_id="VN-da-nang", partner_id="japan", starts=date(2018, 8, 4),
             ends=date(2021, 8, 3)),
    PairCity(city_id="ID-makassar", partner_id="adb", starts=date(2018, 8, 4),
             ends=date(2020, 8, 3)),
]  # fmt: skip
ASSESSMENTS = [
    AssessProject(year=YEAR, city_id="VN-da-nang", project_id="ioc", status="ongoing",
                  evidence="Site chosen and the operations software procured.",
                  links=("https://asean.org/",)),
    AssessProject(year=YEAR, city_id="ID-makassar", project_id="lorong-garden",
                  status="ongoing", evidence="Twelve lanes have gardens with sensors."),
    AssessProject(year=YEAR, city_id="SG-singapore", project_id="digital-identity",
                  status="ongoing", evidence="Used by most government services."),
    AssessProject(year=YEAR, city_id="KH-siem-reap", project_id="heritage-traffic",
                  status="planned", evidence="Launched with a partner at the annual meeting."),
]  # fmt: skip
NOT_ASSESSED = ExplainNotAssessed(
    year=YEAR, city_id="KH-siem-reap", project_id="water-quality",
    reason="The city has not started it yet; IMD assesses it from 2019.",
)  # fmt: skip


def actions() -> list[Action]:
    script = [
        Action(at(5, 25, 16, 0), csco("KH-siem-reap"), SIEM_REAP, "demo-2018/plan/siem-reap"),
        Action(at(5, 25, 16, 5), csco("VN-da-nang"), DA_NANG, "demo-2018/plan/da-nang"),
        Action(at(5, 25, 16, 10), Actor.nr("ID", "nr-id"), MAKASSAR, "demo-2018/plan/makassar"),
        Action(at(5, 25, 16, 15), csco("SG-singapore"), SINGAPORE, "demo-2018/plan/singapore"),
        Action(at(7, 8, 17, 0), CHAIR_TEAM, OUTCOME, "demo-2018/outcome"),
        Action(at(9, 20, 10, 0), csco("VN-da-nang"), DA_NANG_REVISED,
               "demo-2018/plan/da-nang/2"),
        Action(at(10, 25, 10, 0), IMD, NOT_ASSESSED, "demo-2018/not-assessed/water-quality"),
    ]  # fmt: skip
    script += [
        Action(at(6, 20, 10, n), CHAIR_TEAM, p, f"demo-2018/partner/{p.partner_id}")
        for n, p in enumerate(PARTNERS)
    ]
    script += [
        Action(at(8, 4, 12, 30 + n), CHAIR_TEAM, p, f"demo-2018/twinning/{p.city_id}")
        for n, p in enumerate(PAIRS)
    ]
    script += [
        Action(at(10, 24, 10, n), IMD, a, f"demo-2018/assessment/{a.city_id}/{a.project_id}")
        for n, a in enumerate(ASSESSMENTS)
    ]
    return sorted(script, key=lambda action: action.at)


async def send(deps: RecordsDeps, action: Action) -> None:
    command, actor, key = action.command, action.actor, action.request_id
    if isinstance(command, ActionPlan):
        await records.submit_plan(command, actor, deps, key)
    elif isinstance(command, AssessProject):
        await records.assess_project(command, actor, deps, key)
    elif isinstance(command, ExplainNotAssessed):
        await records.explain_not_assessed(command, actor, deps, key)
    elif isinstance(command, AddPartner):
        await records.add_partner(command, actor, deps, key)
    elif isinstance(command, RecordMeetingOutcome):
        await records.record_meeting_outcome(command, actor, deps, key)
    else:
        await records.pair_city(command, actor, deps, key)


def print_records(engine: Engine, console: Console) -> None:
    """The year's plans, partners, pairs, outcomes and IMD's assessments, as read back."""
    plans, _ = latest_plans(engine)
    console.print(f"\n[bold]Action plans[/bold] ({len(plans)} cities)")
    for p in plans:
        console.print(f"  {p.city} ({p.city_id}): version {p.version}, "
                      f"{p.period_start}-{p.period_end}, {p.projects} projects")  # fmt: skip
    partners, _ = partner_list(engine)
    console.print("[bold]External partners[/bold]")
    for partner in partners:
        console.print(f"  {partner.name} ({partner.kind}; added by {partner.source})")
    console.print("[bold]Twinning pairs[/bold]")
    for pair in twinning_pairs(engine)[0]:
        console.print(f"  {pair.city_id} with {pair.partner_id}, {pair.starts} to {pair.ends}")
    console.print(f"[bold]Launched at the {YEAR} annual meeting[/bold]")
    for outcome in outcomes_of(engine, YEAR)[0]:
        console.print(f"  {outcome.title} ({outcome.city_id}) with {outcome.partner_id}")
    console.print(f"[bold]IMD's assessments of {YEAR}[/bold]")
    for row in project_progress(engine, YEAR)[0]:
        said = row.assessment.status if row.assessment else None
        why = f"not assessed: {row.not_assessed_because}" if row.not_assessed_because else None
        console.print(f"  {row.city_id}/{row.project_id}: {said or why or 'awaiting IMD'}")
