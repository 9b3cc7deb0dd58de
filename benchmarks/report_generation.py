"""Generating a year's annual report, against a plain read of the same events.

Run: ``python -m benchmarks.report_generation [--backend sqlite|postgres|both]``.
Exits 1 if generating the report takes more than ``TARGET`` times the plain read.

The store holds what issue 10 asks for: 30 member cities (the 25 of the reference data
that joined in 2018, and 5 candidature cities proposed and accepted that year), each
with an action plan of 10 projects for 2018-2025 (one city in three revised it once),
8 years of IMD's assessments (every project every year, one in five revised, one in
twenty not assessed with a reason instead), 20 partners, 15 twinning pairs, launches
at each annual meeting, and the cycles of 2024 and 2025 as the status benchmark
records them (``benchmarks.status_store``: openings, reminders, an extension,
escalations, approvals, notes, a return from each member state).

Then, in the same run and on the same database, each several times, alternating:

- plain read: every event of the store iterated from it (``EventStore.iter_all``, the
  same page size the report reads with), each a ``RecordedEvent``, nothing more;
- live report: ``reports.source.generate(store, reference, 2025)``: the same read up to
  the store's head, the events 2025's report needs decoded, the report built;
- draft: ``generate(..., version=1)``: draft 1 rebuilt as of its position, and its
  SHA-256 checked against the one recorded.

The medians are compared: the ratio says what reading the report costs over reading the
events it is made from.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, text

from benchmarks.status_store import DEFAULT_POSTGRES, grow, postgres_engine, sqlite_engine
from domain.actors import Actor
from domain.events import (
    ActionPlanSubmitted,
    CityDecided,
    CityProposed,
    DomainEvent,
    PartnerAdded,
    ProjectAssessed,
    ProjectLaunchedAtMeeting,
    ProjectNotAssessed,
    ReportDrafted,
    TwinningPaired,
)
from domain.events.records import Project, ProjectStatus
from domain.plans import city_id
from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore.codec import to_new_event
from eventstore.engine import is_postgresql
from eventstore.records import NewEvent
from eventstore.schema import metadata
from eventstore.store import EventStore
from reports.source import PAGE, fingerprint, generate

TARGET = 3.0
YEAR = 2025
YEARS = range(2018, 2026)  # 8 years of assessments
PROJECTS = 10
ROUNDS = 7
CANDIDATES = (("TH", "Chiang Mai"), ("VN", "Hai Phong"), ("PH", "Iloilo City"),
              ("ID", "Surabaya"), ("MY", "Penang"))  # fmt: skip
STATUSES: tuple[ProjectStatus, ...] = ("planned", "ongoing", "ongoing", "completed", "stalled")
ASEC = Actor(id="imd", role="asec")
TEAM = Actor.chair_team("SG", "team")


class Recorder:
    """Appends facts, a stream at a time, each a little later than the one before."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.at = datetime(2018, 1, 2, 9, tzinfo=UTC)

    def new(self, fact: DomainEvent, actor: Actor) -> NewEvent:
        self.at += timedelta(minutes=7)
        return to_new_event(fact, event_id=uuid.uuid4(), occurred_at=self.at, actor=actor)

    def append(self, stream: str, facts: list[tuple[DomainEvent, Actor]]) -> None:
        new = [self.new(fact, actor) for fact, actor in facts]
        self.store.append(stream, new, expected_version=None)


def cities(reference: ReferenceData) -> list[tuple[str, str, str]]:
    """(city id, member state, name) of the 30 cities."""
    known = [
        (city_id(c), c.member_state, c.name) for c in reference.cities if c.joined_year == 2018
    ]
    added = [(f"{code}-{name.lower().replace(' ', '-')}", code, name) for code, name in CANDIDATES]
    return sorted(known + added)[:30]


def _projects(ident: str, revised: bool, areas: list[str]) -> tuple[Project, ...]:
    return tuple(
        Project(
            project_id=f"p{n:02d}", title=f"Project {n} of {ident}",
            focus_areas=tuple(dict.fromkeys((areas[n % len(areas)], areas[(n * 7) % len(areas)]))),
            partners=("A partner",), status="ongoing" if n % 4 else "planned",
            action_lines=("An action line of the framework",),
        )
        for n in range(PROJECTS + (1 if revised else 0))
    )  # fmt: skip


def fill(store: EventStore, reference: ReferenceData) -> int:
    """The records and the two cycles; the position of the last event."""
    metadata.create_all(store.engine)
    rec = Recorder(store)
    rec.append("membership", [
        fact for code, name in CANDIDATES for fact in (
            (CityProposed(year=2018, member_state=code, city=name, capital=False),
             Actor.nr(code, "nr")),
            (CityDecided(year=2018, member_state=code, city=name, decision="accepted"), TEAM),
        )
    ])  # fmt: skip
    areas = [a.id for a in reference.focus_areas]
    thirty = cities(reference)
    for n, (ident, code, name) in enumerate(thirty):
        csco = Actor(id="csco", role=f"csco:{ident}")
        versions = [False, True] if n % 3 == 0 else [False]
        rec.append(f"plan-{ident}", [
            (ActionPlanSubmitted(city_id=ident, member_state=code, city=name, version=v + 1,
                                 period_start=2018, period_end=2025,
                                 projects=_projects(ident, revised, areas)), csco)
            for v, revised in enumerate(versions)
        ])  # fmt: skip
    kinds = ("government", "multilateral_body", "private_sector", "financial_institution")
    rec.append("partners", [
        (PartnerAdded(partner_id=f"partner-{n}", name=f"Partner {n}", kind=kinds[n % 4],
                      year=YEARS[n % len(YEARS)]), TEAM)
        for n in range(20)
    ] + [
        (ProjectLaunchedAtMeeting(year=y, city_id=thirty[(y + k) % 30][0],
                                  project_id=f"launch-{y}-{k}", title=f"Launch {k} of {y}",
                                  partner_id=f"partner-{(y + k) % 20}"), TEAM)
        for y in YEARS for k in range(3)
    ])  # fmt: skip
    for n in range(15):
        ident = thirty[n * 2][0]
        start = date(YEARS[n % len(YEARS)], 7, 1)
        rec.append(f"twinning-{ident}", [
            (TwinningPaired(city_id=ident, partner_id=f"partner-{n}", starts=start,
                            ends=start.replace(year=start.year + 3)), TEAM)
        ])  # fmt: skip
    for year in YEARS:
        facts: list[tuple[DomainEvent, Actor]] = []
        for c, (ident, _, _) in enumerate(thirty):
            for p in range(PROJECTS):
                key = year + c * PROJECTS + p
                if key % 20 == 0:
                    facts.append(
                        (
                            ProjectNotAssessed(
                                year=year,
                                city_id=ident,
                                project_id=f"p{p:02d}",
                                reason="No report this year",
                            ),
                            ASEC,
                        )
                    )
                    continue
                revisions = 2 if key % 5 == 0 else 1
                facts += [
                    (ProjectAssessed(year=year, city_id=ident, project_id=f"p{p:02d}",
                                     status=STATUSES[(key + r) % len(STATUSES)],
                                     evidence="Seen on site; minutes of the city's review.",
                                     links=("https://example.org/evidence.pdf",),
                                     revision=r + 1), ASEC)
                    for r in range(revisions)
                ]  # fmt: skip
        rec.append(f"monitoring-{year}", facts)
    grow(store, range(YEAR - 1, YEAR + 1))
    return store.last_position()


def timed(work: Callable[[], object], rounds: list[float]) -> None:
    """Run ``work`` once, adding its wall-clock seconds to ``rounds``."""
    began = time.perf_counter()
    work()
    rounds.append(time.perf_counter() - began)


def run_backend(backend: str, postgres: str) -> tuple[int, float, float, float]:
    """(events, plain read, live report, draft): the medians, in seconds."""
    reference = ReferenceData.load()
    engines = sqlite_engine() if backend == "sqlite" else postgres_engine(postgres)
    with engines as engine:
        store = EventStore(engine)
        fill(store, reference)
        as_of, sha = fingerprint(store, reference, YEAR, ())
        draft = ReportDrafted(year=YEAR, version=1, as_of_position=as_of, document_sha256=sha)
        store.append(cycle_stream(YEAR), [to_new_event(
            draft, event_id=uuid.uuid4(), occurred_at=datetime(YEAR, 12, 1, tzinfo=UTC),
            actor=ASEC)], expected_version=None)  # fmt: skip
        _analyze(engine)
        events = store.last_position()
        plain: list[float] = []
        live: list[float] = []
        drafted: list[float] = []

        def read() -> int:
            return sum(1 for _ in store.iter_all(page_size=PAGE))

        if read() != events:
            raise RuntimeError(f"the plain read did not see the {events} events")
        generate(store, reference, YEAR, version=1)  # warm: the digest holds
        for _ in range(ROUNDS):
            timed(read, plain)
            timed(lambda: generate(store, reference, YEAR), live)
            timed(lambda: generate(store, reference, YEAR, version=1), drafted)
        median = statistics.median
        return events, median(plain), median(live), median(drafted)


def _analyze(engine: Engine) -> None:
    if is_postgresql(engine):
        with engine.connect() as conn:  # what autovacuum does after a bulk load
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<11} {'events':>7} {'read ms':>8} {'report ms':>10} {'draft ms':>9} "
          f"{'ratio':>6} {'draft':>6} {'target':>7}")  # fmt: skip
    missed = False
    for backend in backends:
        name = "postgresql" if backend.startswith("postgres") else "sqlite"
        events, plain, live, drafted = run_backend(name, args.postgres)
        ratio, draft_ratio = live / plain, drafted / plain
        ok = ratio <= TARGET and draft_ratio <= TARGET
        missed |= not ok
        print(
            f"{name:<11} {events:>7} {plain * 1000:>8.1f} {live * 1000:>10.1f} "
            f"{drafted * 1000:>9.1f} {ratio:>6.2f} {draft_ratio:>6.2f} {'<=' + str(TARGET):>7} "
            f"{'ok' if ok else 'MISSED'}"
        )
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
