"""What the pages show, read from the read models (and, for a cycle's own dates and
its audit trail, from that cycle's streams). Never from Temporal. Reads only read.

The shepherd's cycle page reads by primary key or a prefix of it (the cycle, its
steps, overdue parties, the year's nominations) and one cycle stream, so its cost
does not grow with the store (``benchmarks/shepherd_page.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select

from api.pages.gantt import StepDates
from domain.events import DeadlineExtended, StepEscalated
from domain.narrative import narrate
from domain.reference import ReferenceData
from domain.report_versions import REPORT_DRAFT_STEP
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_domain
from eventstore.engine import reading
from eventstore.readmodels.cycles import CycleSummary, CycleView, StepView, list_cycles
from eventstore.readmodels.nominations import AcceptedNomination, accepted_nominations
from eventstore.readmodels.schema import exceptions, outbox
from eventstore.records import RecordedEvent
from eventstore.store import EventStore

MEMBER_STATES_OWE = "member_states"
AUDIT_LIMIT = 1000


def member_states(reference: ReferenceData, year: int) -> list[str]:
    return [state.code for state in reference.members_on(date(year, 1, 1))]


def open_cycles(engine: Engine) -> list[CycleSummary]:
    return [cycle for cycle in list_cycles(engine) if cycle.state == "open"]


def owes(step: StepView, party: str) -> bool:
    return step.state in ("pending", "open") and party in step.outstanding


@dataclass(frozen=True)
class StateReturn:
    """What one member state returned for a year's nominations."""

    code: str
    cities: tuple[AcceptedNomination, ...] = ()
    nil_return_from: int | None = None
    late: bool = False
    exception_ids: tuple[str, ...] = ()

    @property
    def submitted(self) -> bool:
        return bool(self.cities)


def returns_by_state(engine: Engine, year: int) -> dict[str, StateReturn]:
    accepted = accepted_nominations(engine, year)
    by_state: dict[str, list[AcceptedNomination]] = {}
    for row in accepted:
        by_state.setdefault(row.member_state, []).append(row)
    with reading(engine) as conn:
        granted: dict[str, list[str]] = {}
        query = select(exceptions.c.member_state, exceptions.c.exception_id).where(
            exceptions.c.year == year
        )
        for code, exception_id in conn.execute(query):
            granted.setdefault(code, []).append(exception_id)
    codes = set(by_state) | set(granted)
    return {
        code: StateReturn(
            code=code,
            cities=tuple(by_state.get(code, ())),
            nil_return_from=next(
                (r.carried_forward_from for r in by_state.get(code, ()) if r.carried_forward_from),
                None,
            ),
            late=any(r.late for r in by_state.get(code, ())),
            exception_ids=tuple(sorted(granted.get(code, ()))),
        )
        for code in codes
    }


@dataclass(frozen=True)
class Cell:
    status: str
    """submitted, late, exception, nil_return, overdue, escalated, owed, missing (settled
    without a return), done, not_owed"""
    text: str


def cell(
    step: StepView, code: str, ret: StateReturn | None, now: datetime, escalated: bool
) -> Cell:
    party = f"nr:{code}"
    if step.owed_by not in (None, MEMBER_STATES_OWE):
        return Cell("not_owed", "—")
    if escalated and party in step.outstanding:
        return Cell("escalated", "escalated")
    if (
        party in step.outstanding
        and step.state == "open"
        and step.deadline is not None
        and now > step.deadline
    ):
        return Cell("overdue", "overdue")
    if step.step == "nomination_deadline" and ret is not None:
        if ret.late:
            return Cell("late", "late")
        if ret.exception_ids and ret.submitted:
            return Cell("exception", "exception")
        if ret.nil_return_from is not None:
            return Cell("nil_return", "nil return")
        if ret.submitted:
            return Cell("submitted", "submitted")
    if party in step.outstanding:
        return Cell("owed", "owed" if step.state == "open" else "pending")
    if step.state == "pending":
        return Cell("owed", "pending")
    if step.step == "nomination_deadline":
        return Cell("missing", "no return")
    return Cell("done", "done")


@dataclass(frozen=True)
class Board:
    codes: list[str]
    steps: list[StepView]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)


def board(view: CycleView, reference: ReferenceData, engine: Engine, now: datetime) -> Board:
    codes = member_states(reference, view.year)
    returns = returns_by_state(engine, view.year)
    escalated = {(item.step, item.party) for item in view.overdue}
    cells = {
        (step.step, code): cell(
            step, code, returns.get(code), now, (step.step, f"nr:{code}") in escalated
        )
        for step in view.steps
        for code in codes
    }
    return Board(codes=codes, steps=list(view.steps), cells=cells)


def step_dates(store: EventStore, view: CycleView) -> list[StepDates]:
    """Each step's opening, deadline, extensions and escalations (the cycle's stream)."""
    extensions: dict[str, list[tuple[datetime, datetime]]] = {}
    escalations: dict[str, list[tuple[datetime, str]]] = {}
    for event in store.read_stream(cycle_stream(view.year)):
        if event.type == "DeadlineExtended":
            fact = to_domain(event)
            assert isinstance(fact, DeadlineExtended)
            extensions.setdefault(fact.step, []).append((fact.previous_deadline, fact.new_deadline))
        elif event.type == "StepEscalated":
            fact = to_domain(event)
            assert isinstance(fact, StepEscalated)
            escalations.setdefault(fact.step, []).append((event.occurred_at, fact.rung))
    return [
        StepDates(
            step=step.step,
            state=step.state,
            opens=step.opened_at or step.opens_at,
            deadline=step.deadline,
            extensions=tuple(extensions.get(step.step, ())),
            escalations=tuple(escalations.get(step.step, ())),
        )
        for step in view.steps
    ]


@dataclass(frozen=True)
class AuditRow:
    position: int
    event_id: str
    stream: str
    version: int
    when: datetime
    actor: str
    story: str
    step: str | None
    member_state: str | None
    hash: str


def audit_rows(
    store: EventStore,
    view: CycleView,
    reference: ReferenceData,
    *,
    step: str | None = None,
    member_state: str | None = None,
    actor: str | None = None,
) -> list[AuditRow]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(view.zone or "UTC")
    streams = [cycle_stream(view.year)]
    codes = member_states(reference, view.year)
    streams += [nominations_stream(code) for code in codes]
    found: list[RecordedEvent] = []
    for stream in streams:
        found += [e for e in store.read_stream(stream) if e.data.get("year") in (view.year, None)]
    found.sort(key=lambda e: (e.occurred_at, e.position))
    rows = []
    for event in found:
        data: dict[str, Any] = event.data
        row = AuditRow(
            position=event.position,
            event_id=str(event.event_id),
            stream=event.stream_id,
            version=event.version,
            when=event.occurred_at.astimezone(zone),
            actor=event.actor,
            story=narrate(to_domain(event), zone),
            step=data.get("step"),
            member_state=data.get("member_state"),
            hash=event.hash,
        )
        if step and row.step != step:
            continue
        if member_state and row.member_state != member_state and not _names(data, member_state):
            continue
        if actor and actor.lower() not in row.actor.lower():
            continue
        rows.append(row)
    return rows[:AUDIT_LIMIT]


def _names(data: dict[str, Any], code: str) -> bool:
    party = f"nr:{code}"
    for key in ("recipients", "outstanding"):
        value = data.get(key)
        if isinstance(value, list) and party in value:
            return True
    return False


def failed_mail(engine: Engine) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        rows = conn.execute(
            select(outbox)
            .where(outbox.c.state == "failed")
            .order_by(outbox.c.year.desc(), outbox.c.created_position)
            .limit(500)
        )
        return [dict(row._mapping) for row in rows]


def steps_owed_by(views: Iterable[CycleView], party: str) -> list[tuple[int, StepView]]:
    """The steps, in open cycles, that ``party`` still owes: those not settled that name
    it outstanding (the plan names who will owe a step from the start; a return, a
    submission or the cycle's latest reminder takes a party off). Not every step of
    its kind: a member state that made its return owes the nominations no more."""
    found = [
        (view.year, step)
        for view in views
        for step in view.steps
        if step.state in ("pending", "open") and party in step.outstanding
    ]
    last = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda pair: (pair[1].deadline or last, pair[0]))


def report_year(views: Sequence[CycleView]) -> int | None:
    """The cycle whose report ASEC works on, of ``views`` (the open cycles first): the
    one whose ``report_draft`` is open, else the latest still to draft it, else the
    latest of them."""
    drafting = [
        (step.state == "open", view.year)
        for view in views
        for step in view.steps
        if step.step == REPORT_DRAFT_STEP and step.state in ("pending", "open")
    ]
    if drafting:
        return max(drafting)[1]
    return max((view.year for view in views), default=None)
