"""The stores the status benchmark reads: cycle years as the workflow records them.

Each year is ~100 events: the cycle stream (openings, reminders, an extension,
escalations, approvals, notes) plus one nomination (or nil return) per member
state. ``grow`` appends them in large batches through the store's own API: by
block of years, one append per cycle stream part and one per member state.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from domain.actors import Actor
from domain.events import (
    CityNomination,
    CycleCompleted,
    CycleOpened,
    DeadlineExtended,
    DomainEvent,
    NilReturnDeclared,
    NominationsSubmitted,
    Noted,
    Person,
    ReminderSent,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
)
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_new_event
from eventstore.engine import create_store_engine
from eventstore.readmodels import accounts_tables as _api_tables  # noqa: F401  (registers tables)
from eventstore.readmodels import schema as _readmodel_tables  # noqa: F401  (registers tables)
from eventstore.records import NewEvent
from eventstore.schema import metadata
from eventstore.store import EventStore

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
FIRST_YEAR = 2000
SMALL_YEARS = 10
BLOCK = 100  # years whose nominations go into one append per member state
MEMBER_STATES = ("BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "VN")
PARTIES = tuple(f"nr:{code}" for code in MEMBER_STATES)
STEPS = (
    "nomination_deadline", "city_profiles", "action_plans", "partner_matching",
    "annual_meeting", "jcm_report", "acc_report", "summit",
)  # fmt: skip
REMINDER_RUNGS = ("T-30", "T-14", "T-7", "T-3", "T-1", "T-0")
SYSTEM = Actor(id="cycle", role="system")
CHAIR_TEAM = Actor(id="alice", role="chair_team")


def _new(fact: DomainEvent, at: datetime, actor: Actor = SYSTEM) -> NewEvent:
    return to_new_event(fact, event_id=uuid.uuid4(), occurred_at=at, actor=actor)


class Year:
    """One cycle year's events, in three parts appended around the nominations."""

    def __init__(self, year: int, *, probe: bool = False) -> None:
        self.year = year
        self.probe = probe
        self.at = datetime(year, 1, 15, 9, tzinfo=UTC)
        self.late = {MEMBER_STATES[(year + i) % len(MEMBER_STATES)] for i in range(3)}

    def _next(self) -> datetime:
        self.at += timedelta(hours=6)
        return self.at

    def opening(self) -> list[NewEvent]:
        """The cycle opens; nominations are reminded, extended and escalated."""
        y, step, late = self.year, STEPS[0], tuple(sorted(f"nr:{c}" for c in self.late))
        deadline = datetime(y, 3, 14, 17, tzinfo=UTC)
        facts: list[tuple[DomainEvent, Actor]] = [
            (CycleOpened(year=y, chair="SG", shepherd="MY", template="standard"), SYSTEM),
            (StepOpened(year=y, step=step, deadline=deadline), SYSTEM),
            *((ReminderSent(year=y, step=step, rung=r, recipients=PARTIES), SYSTEM)
              for r in REMINDER_RUNGS[:3]),
            (DeadlineExtended(year=y, step=step, previous_deadline=deadline,
                              new_deadline=deadline + timedelta(days=7), reason="holidays"),
             CHAIR_TEAM),
            (ReminderSent(year=y, step=step, rung="T-1", recipients=late), SYSTEM),
            (StepEscalated(year=y, step=step, rung="D+1", escalated_to="shepherd:MY",
                           outstanding=late), SYSTEM),
        ]  # fmt: skip
        return [_new(fact, self._next(), actor) for fact, actor in facts]

    def nomination(self, code: str) -> NewEvent:
        at = self._next()
        if (self.year + len(code) + ord(code[0])) % 4 == 0 and self.year > FIRST_YEAR:
            nil = NilReturnDeclared(year=self.year, member_state=code,
                                    carried_forward_from=self.year - 1)  # fmt: skip
            return _new(nil, at, Actor.nr(code, "nr"))
        city = CityNomination(
            city=f"Capital of {code}", capital=True,
            csco=Person(name=f"CSCO {code}", email=f"csco.{code.lower()}@example.org"),
        )  # fmt: skip
        fact = NominationsSubmitted(
            year=self.year, member_state=code, cities=(city,),
            national_representative=Person(name=f"NR {code}", email=f"nr@{code.lower()}.org"),
        )  # fmt: skip
        return _new(fact, at, Actor.nr(code, "nr"))

    def rest(self) -> list[NewEvent]:
        """Every later step runs its course; the probe year stops, overdue, in step five."""
        y = self.year
        facts: list[tuple[DomainEvent, Actor]] = [
            (StepApproved(year=y, step=STEPS[0]), CHAIR_TEAM),
            (StepCompleted(year=y, step=STEPS[0]), SYSTEM),
        ]
        for index, step in enumerate(STEPS[1:], start=1):
            owed = PARTIES[index : index + 4]
            deadline = datetime(y, 3 + index, 1, 17, tzinfo=UTC)
            facts += [
                (StepOpened(year=y, step=step, deadline=deadline), SYSTEM),
                *((ReminderSent(year=y, step=step, rung=r, recipients=PARTIES), SYSTEM)
                  for r in REMINDER_RUNGS),
                (StepEscalated(year=y, step=step, rung="D+1", escalated_to="shepherd:MY",
                               outstanding=owed), SYSTEM),
            ]  # fmt: skip
            if self.probe and index == 4:
                break
            facts += [
                (StepApproved(year=y, step=step), CHAIR_TEAM),
                (Noted(year=y, body="JCM", decision="noted"), SYSTEM),
                (StepCompleted(year=y, step=step, outstanding=owed[:1]), SYSTEM),
            ]
        else:
            facts.append((CycleCompleted(year=y), SYSTEM))
        return [_new(fact, self._next(), actor) for fact, actor in facts]


def grow(store: EventStore, years: range, probe: int | None = None) -> None:
    """Append ``years`` as the cycle would: by block, openings, nominations, the rest."""
    for start in range(years.start, years.stop, BLOCK):
        block = [Year(y, probe=y == probe) for y in range(start, min(start + BLOCK, years.stop))]
        for year in block:
            store.append(cycle_stream(year.year), year.opening(), expected_version=None)
        for code in MEMBER_STATES:
            batch = [year.nomination(code) for year in block]
            store.append(nominations_stream(code), batch, expected_version=None)
        for year in block:
            store.append(cycle_stream(year.year), year.rest(), expected_version=None)


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    """A store of its own in a temporary SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_store_engine(f"sqlite:///{Path(folder) / 'status.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    """A store of its own in a PostgreSQL schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_store_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_store_engine(
        make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def build(engine: Engine, years: range, probe: int) -> EventStore:
    """A store holding ``years``, ``probe`` among them stopped, overdue, in step five."""
    metadata.create_all(engine)
    store = EventStore(engine)
    grow(store, years, probe=probe)
    return store
