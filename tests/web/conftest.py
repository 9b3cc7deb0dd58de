"""A store with real cycle facts, projected, and the app over it with a fake gateway
that records what the cycle would (so pages show the change), for the page tests and
the browser tests. Action plans, assessments, partners and twinning go through the
records' own activity, as their workflow would send them, with a fake of Temporal's
rule that an update id already run answers with its first outcome."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage, Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError

from activities.records import RecordRequest, RecordsActivities
from api.app import create_app
from api.pages import WebConfig
from ascn.projections import catch_up_all
from domain.actors import Actor
from domain.chain import (
    CHAIN_BODIES,
    JOINT_SUBMISSION_STEP,
    PROGRESS_REVIEW_STEP,
    REOPENING,
    SUBMITTERS,
    check_decision,
    check_submission,
    describe_waiting,
    waiting_for,
)
from domain.contacts import Contacts
from domain.errors import DomainError
from domain.events import (
    BodyDecisionRecorded,
    CityNomination,
    CycleOpened,
    CyclePlanned,
    DomainEvent,
    ExceptionGranted,
    NarrativeSection,
    NilReturnDeclared,
    NominationsSubmitted,
    Person,
    PlannedStepFact,
    ProgressReviewSubmitted,
    ReminderSent,
    ReportDrafted,
    ReportDraftSubmitted,
    ReportSubmitted,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
    StepReopened,
    StepWaived,
    Submitter,
)
from domain.events.records import Milestone, Project
from domain.membership import MEMBERSHIP_STREAM, Membership, decide_city, propose_city
from domain.monitoring import AssessProject
from domain.partners import AddPartner, Launch, PairCity, RecordMeetingOutcome
from domain.plans import ActionPlan
from domain.reference import ReferenceData
from domain.report_versions import (
    REPORT_DRAFT_STEP,
    ReportMemory,
    ReportVersion,
    check_named,
    check_narrative,
    to_submit,
)
from domain.streams import cycle_stream, nominations_stream
from eventstore.codec import to_domain, to_new_event
from eventstore.engine import create_store_engine
from eventstore.readmodels.chain import ChainView, chain_view
from eventstore.readmodels.cycles import CycleView, cycle_view
from eventstore.schema import metadata
from eventstore.store import EventStore
from services import users
from services.cycles import CycleDeps
from services.errors import Refused
from services.records import RecordsDeps
from services.sealing import Sealer
from tests.sealing import SEAL_KEYS
from workflows.messages import (
    CycleInput,
    DraftReportUpdate,
    SealedUpdate,
    SubmitReportDraftUpdate,
    SubmitReportUpdate,
    UpdateResult,
)
from workflows.records import RecordUpdate

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

YEAR = 2027
NOW = datetime(2027, 3, 2, 3, 0, tzinfo=UTC)
"""The pages' clock: just after the nominations' deadline of 2027."""
SYSTEM = Actor(id="ascn-engine", role="system")
SETUP = Actor(id="test-setup", role="admin")
USERS = {
    "nr-my": "nr:MY",
    "nr-la": "nr:LA",
    "nr-sg": "nr:SG",
    "sg-chair-team": "chair_team:SG",
    "id-shepherd": "shepherd:ID",
    "asec-imd": "asec",
    "csco-kl": "csco:MY-kuala-lumpur",
}
STEPS = [
    ("nomination_deadline", "Nominations", "member_states",
     datetime(2027, 1, 15, tzinfo=UTC), datetime(2027, 2, 28, 15, 59, tzinfo=UTC)),
    ("scgw", "Smart Cities Governance Workshop", "member_states",
     datetime(2027, 3, 15, tzinfo=UTC), datetime(2027, 5, 31, 15, 59, tzinfo=UTC)),
    ("progress_review", "Progress review", "asec",
     datetime(2027, 5, 1, tzinfo=UTC), datetime(2027, 6, 30, 15, 59, tzinfo=UTC)),
    ("annual_meeting", "Annual meeting", "chair_of_ascn",
     datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 8, 31, 15, 59, tzinfo=UTC)),
    ("report_draft", "ASEC drafts the annual report", "asec",
     datetime(2027, 7, 1, tzinfo=UTC), datetime(2027, 9, 15, 15, 59, tzinfo=UTC)),
    ("jcm_submission", "Report to the JCM", "chair_of_ascn",
     datetime(2027, 9, 1, tzinfo=UTC), datetime(2027, 10, 31, 15, 59, tzinfo=UTC)),
]  # fmt: skip
JCM_PARTIES = ("nr:SG", "shepherd:ID")
"""Who submits the 2027 report to the JCM: the Chair of the ASCN and the shepherd."""


class CycleStore:
    """Appends the facts a 2027 cycle records and projects them at once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = EventStore(engine)
        self.at = datetime(2027, 1, 14, 1, tzinfo=UTC)

    def record(self, stream: str, facts: list[DomainEvent], actor: Actor = SYSTEM,
               at: datetime | None = None) -> None:  # fmt: skip
        news = []
        for fact in facts:
            self.at = at or (self.at + timedelta(minutes=1))
            news.append(to_new_event(fact, event_id=uuid.uuid4(), occurred_at=self.at, actor=actor))
        self.store.append(stream, news, expected_version=None)
        catch_up_all(self.engine)

    def open_2027(self) -> None:
        members = ReferenceData.load().members_on(NOW.date())
        parties = tuple(f"nr:{m.code}" for m in members)
        planned = tuple(
            PlannedStepFact.model_validate({
                "step": s, "title": t, "owed_by": o, "opens_at": a, "deadline": d,
                "parties": parties if o == "member_states" else (
                    JCM_PARTIES if s == JOINT_SUBMISSION_STEP else (o,)),
            })
            for s, t, o, a, d in STEPS
        )  # fmt: skip
        first, deadline = STEPS[0][0], STEPS[0][4]
        self.record(cycle_stream(YEAR), [
            CycleOpened(year=YEAR, chair="SG", shepherd="ID", template="recurring"),
            CyclePlanned(year=YEAR, zone="Asia/Singapore", steps=planned),
            StepOpened(year=YEAR, step=first, deadline=deadline),
            ReminderSent(year=YEAR, step=first, rung="T-14", recipients=parties),
        ])  # fmt: skip
        late = tuple(p for p in parties if p not in ("nr:SG", "nr:ID", "nr:TH"))
        for code in ("SG", "ID", "TH"):
            self.nominate(code, [(ReferenceData.load().capital_of(code), True)])
        self.record(cycle_stream(YEAR), [
            StepEscalated(year=YEAR, step=first, rung="deadline", escalated_to="shepherd:ID",
                          outstanding=late),
        ], at=datetime(2027, 3, 1, 0, 5, tzinfo=UTC))  # fmt: skip

    def nominate(self, code: str, cities: list[tuple[str, bool]], actor: Actor | None = None,
                 nr: tuple[str, str] = ("The NR", "nr@example.org")) -> None:  # fmt: skip
        fact = NominationsSubmitted(
            year=YEAR, member_state=code,
            national_representative=Person(name=nr[0], email=nr[1]),
            cities=tuple(
                CityNomination(city=c, capital=cap,
                               csco=Person(name=f"CSCO {c}", email="csco@example.org"))
                for c, cap in cities
            ),
        )  # fmt: skip
        self.record(nominations_stream(code), [fact], actor or Actor.nr(code, "nr"))


def _memory(chain: ChainView, returned: int | None = None) -> ReportMemory:
    """The report's versions as the cycle would remember them, from its stream."""
    return ReportMemory(
        versions=[ReportVersion(version=d.version, document_sha256=d.document_sha256,
                                as_of_position=d.as_of_position, drafted_at=d.drafted_at,
                                drafted_by=d.drafted_by) for d in chain.drafts],
        returned=returned,
    )  # fmt: skip


@dataclass
class RecordingGateway:
    """Stands in for Temporal: checks what the cycle would, then records its facts."""

    cycle: CycleStore
    reference: ReferenceData = field(default_factory=ReferenceData.load)
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    clock: Callable[[], datetime] = lambda: NOW
    answered: dict[str, UpdateResult] = field(default_factory=dict)
    """The report's commands by update id (the others record again: their tests say so)."""

    async def start_cycle(self, cycle: CycleInput, actor: Actor) -> str:
        raise Refused("not in these tests")

    async def submit_nominations(self, year: int, update: SealedUpdate,
                                 update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("submit_nominations", update_id))
        code = update.member_state  # type: ignore[attr-defined]
        known = {c.name: c for c in self.reference.cities_of(code, year)}
        picked = []
        for city in update.cities:  # type: ignore[attr-defined]
            if city.city not in known:
                raise Refused(f"{city.city} is not a city of {code} in the reference data")
            picked.append((city.city, known[city.city].capital))
        if not picked:
            raise Refused(f"{code} nominated no city for {year}; at least one is required")
        if len(picked) > 3:
            raise Refused(f"{code} nominated {len(picked)} cities for {year}; at most 3 "
                          "without an exception")  # fmt: skip
        nr = update.national_representative  # type: ignore[attr-defined]
        self.cycle.nominate(code, picked, update.actor, (nr.name, nr.email))
        return UpdateResult(recorded=("NominationsSubmitted",))

    async def declare_nil_return(self, year: int, update: SealedUpdate,
                                 update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("declare_nil_return", update_id))
        code = update.member_state  # type: ignore[attr-defined]
        fact = NilReturnDeclared(year=year, member_state=code, carried_forward_from=year - 1)
        self.cycle.record(nominations_stream(code), [fact], update.actor)
        return UpdateResult(recorded=("NilReturnDeclared",))

    async def grant_exception(self, year: int, update: SealedUpdate,
                              update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("grant_exception", update_id))
        u = update
        fact = ExceptionGranted(
            year=year, member_state=u.member_state, exception_id=u.exception_id,  # type: ignore[attr-defined]
            rule=u.rule, max_cities=u.max_cities, reason=u.reason,  # type: ignore[attr-defined]
        )  # fmt: skip
        self.cycle.record(nominations_stream(u.member_state), [fact], u.actor)  # type: ignore[attr-defined]
        return UpdateResult(recorded=("ExceptionGranted",))

    async def approve_step(self, year: int, update: SealedUpdate,
                           update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("approve_step", update_id))
        step = update.step  # type: ignore[attr-defined]
        order = [s[0] for s in STEPS]
        if step not in order:
            raise Refused(f"{step} is not a step of the {year} cycle")
        after = order.index(step) + 1
        facts: list[DomainEvent] = [
            StepApproved(year=year, step=step),
        ]
        self.cycle.record(cycle_stream(year), facts, update.actor)
        later: list[DomainEvent] = [StepCompleted(year=year, step=step)]
        if after < len(STEPS):
            later.append(StepOpened(year=year, step=STEPS[after][0], deadline=STEPS[after][4]))
        self.cycle.record(cycle_stream(year), later)
        return UpdateResult(recorded=("StepApproved",))

    async def extend_deadline(self, year: int, update: SealedUpdate,
                              update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("extend_deadline", update_id))
        raise Refused("the new deadline must be after the current one")

    async def waive_step(self, year: int, update: SealedUpdate,
                         update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("waive_step", update_id))
        fact = StepWaived(year=year, step=update.step, reason=update.reason)  # type: ignore[attr-defined]
        self.cycle.record(cycle_stream(year), [fact], update.actor)
        return UpdateResult(recorded=("StepWaived",))

    async def record_decision(self, year: int, update: SealedUpdate,
                              update_id: str | None = None) -> UpdateResult:  # fmt: skip
        """The cycle's rule for a body's decision (``workflows/chain.py``), on this plan."""
        self.calls.append(("record_decision", update_id))
        u = update
        step = self._step(u.step)  # type: ignore[attr-defined]
        bodies = (*CHAIN_BODIES, *self.reference.sectoral_bodies_for(year))
        try:
            check_decision(
                year=year, body=u.body, decision=u.decision, decided_on=u.decided_on,  # type: ignore[attr-defined]
                today=self.clock().date(), meeting=u.meeting, concerning=u.concerning,  # type: ignore[attr-defined]
                bodies=bodies,
            )  # fmt: skip
        except DomainError as error:
            raise Refused(str(error)) from None
        fact = BodyDecisionRecorded(
            year=year, step=step[0], body=u.body, decision=u.decision, decided_on=u.decided_on,  # type: ignore[attr-defined]
            meeting=u.meeting, concerning=u.concerning, document_sha256=u.document_sha256,  # type: ignore[attr-defined]
        )  # fmt: skip
        new = u.new_deadline  # type: ignore[attr-defined]
        if u.decision not in REOPENING:  # type: ignore[attr-defined]
            if new is not None:
                raise Refused("new_deadline: only a deferral or a return reopens a step with a "
                              "new deadline")  # fmt: skip
            self.cycle.record(cycle_stream(year), [fact], u.actor)
            return UpdateResult(recorded=("BodyDecisionRecorded",))
        if new is None:
            raise Refused(f"new_deadline: a decision {u.decision} reopens {step[0]}; it needs "  # type: ignore[attr-defined]
                          "a new deadline")  # fmt: skip
        zone = ZoneInfo("Asia/Singapore")  # the plan's (CyclePlanned)
        until = new if isinstance(new, datetime) else datetime.combine(new, time.max, zone)
        reopened = StepReopened(year=year, step=step[0], body=u.body, decision=u.decision,  # type: ignore[attr-defined]
                                previous_deadline=step[4], new_deadline=until)  # fmt: skip
        self.cycle.record(cycle_stream(year), [fact, reopened], u.actor)
        return UpdateResult(recorded=("BodyDecisionRecorded", "StepReopened"))

    def _step(self, name: str) -> tuple[str, str, str, datetime, datetime]:
        found = next((s for s in STEPS if s[0] == name), None)
        if found is None:
            raise Refused(f"step: {name} is not a step of the {YEAR} cycle")
        view = cycle_view(self.cycle.engine, YEAR)
        if view is None or any(s.step == name and s.state == "pending" for s in view.steps):
            raise Refused(f"step: {name} has not opened yet; nothing was put to a body")
        return found

    async def submit_report(self, year: int, update: SealedUpdate,
                            update_id: str | None = None) -> UpdateResult:  # fmt: skip
        """The cycle's rule for a submission to the JCM (``workflows/chain.py``): each of
        the two once, the latest version ASEC drafted."""
        self.calls.append(("submit_report", update_id))
        return self._once(update_id, lambda: self._submit_report(year, update))

    def _submit_report(self, year: int, u: SealedUpdate) -> UpdateResult:
        view, chain = self._report(year)
        step = self._open_step(view, JOINT_SUBMISSION_STEP, "step: ")
        who: Submitter = "shepherd" if u.actor.kind == "shepherd" else "chair_of_ascn"
        submitted = [s for s, label in zip(SUBMITTERS, JCM_PARTIES, strict=True)
                     if chain.drafts and label not in chain.still_to_submit]  # fmt: skip
        memory = _memory(chain, view.report.returned if view.report else None)
        try:
            check_submission(who, submitted, step)
            assert isinstance(u, SubmitReportUpdate)
            latest = to_submit(memory, step, u.version)
        except DomainError as error:
            raise Refused(str(error)) from None
        fact = ReportSubmitted(year=year, step=step, submitter=who, version=latest.version,
                               document_sha256=latest.document_sha256)  # fmt: skip
        self.cycle.record(cycle_stream(year), [fact], u.actor)
        if not waiting_for([*submitted, who]):
            self.cycle.record(cycle_stream(year), [StepCompleted(year=year, step=step)])
        return UpdateResult(recorded=("ReportSubmitted",), version=latest.version,
                            document_sha256=latest.document_sha256,
                            note=describe_waiting([*submitted, who]))  # fmt: skip

    def _once(self, update_id: str | None, run: Callable[[], UpdateResult]) -> UpdateResult:
        """Temporal's rule: an update id already run answers with its first outcome."""
        if update_id is not None and update_id in self.answered:
            return self.answered[update_id]
        result = run()
        if update_id is not None:
            self.answered[update_id] = result
        return result

    def _report(self, year: int) -> tuple[CycleView, ChainView]:
        view = cycle_view(self.cycle.engine, year)
        assert view is not None
        return view, chain_view(self.cycle.store, year)

    @staticmethod
    def _open_step(view: CycleView, name: str, prefix: str = "") -> str:
        step = next(s for s in view.steps if s.step == name)
        if step.state == "pending":
            raise Refused(f"{prefix}{name} has not opened yet: it opens at "
                          f"{step.opens_at.isoformat() if step.opens_at else '?'}")  # fmt: skip
        if step.state != "open":
            raise Refused(f"step {name} is already approved, waived or completed")
        return name

    async def submit_progress_review(self, year: int, update: SealedUpdate,
                                     update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("submit_progress_review", update_id))
        self._step(PROGRESS_REVIEW_STEP)
        facts: list[DomainEvent] = [
            ProgressReviewSubmitted(year=year, step=PROGRESS_REVIEW_STEP),
            StepCompleted(year=year, step=PROGRESS_REVIEW_STEP),
        ]
        self.cycle.record(cycle_stream(year), facts, update.actor)
        return UpdateResult(recorded=("ProgressReviewSubmitted",))

    def _membership(self) -> Membership:
        events = self.cycle.store.read_stream(MEMBERSHIP_STREAM)
        return Membership.from_events(to_domain(e) for e in events)

    async def draft_report(self, year: int, update: SealedUpdate,
                           update_id: str | None = None) -> UpdateResult:  # fmt: skip
        """The cycle's rule for a draft (``workflows/reporting.py``): on report_draft
        once it opened, numbered as computed, until the report went to the JCM; a new
        version voids the submissions to the JCM before it."""
        self.calls.append(("draft_report", update_id))
        return self._once(update_id, lambda: self._draft(year, update))

    def _draft(self, year: int, u: SealedUpdate) -> UpdateResult:
        assert isinstance(u, DraftReportUpdate)
        view, chain = self._report(year)
        draft = next(s for s in view.steps if s.step == REPORT_DRAFT_STEP)
        if draft.state == "pending":
            self._open_step(view, REPORT_DRAFT_STEP)
        jcm = next(s for s in view.steps if s.step == JOINT_SUBMISSION_STEP)
        if jcm.state not in ("pending", "open"):
            raise Refused(f"the report is frozen: {JOINT_SUBMISSION_STEP} is already completed; "
                          "no new version is drafted")  # fmt: skip
        version = len(chain.drafts) + 1
        if u.version is not None and u.version != version:
            raise Refused(f"version: this draft was computed as version {u.version}, but the "
                          f"report's next version is {version} (another draft was recorded "
                          "meanwhile); send it again")  # fmt: skip
        sections = [(s.heading, s.text) for s in u.narrative]
        try:
            check_narrative(sections)
        except DomainError as error:
            raise Refused(str(error)) from None
        voided = [who for who, label in zip(SUBMITTERS, JCM_PARTIES, strict=True)
                  if chain.drafts and label not in chain.still_to_submit]  # fmt: skip
        fact = ReportDrafted(
            year=year, version=version, as_of_position=u.as_of_position,
            document_sha256=u.document_sha256,
            narrative=tuple(NarrativeSection(heading=h, text=t) for h, t in sections),
        )  # fmt: skip
        self.cycle.record(cycle_stream(year), [fact], u.actor)
        note = None
        if voided:
            names = " and ".join("the shepherd" if w == "shepherd" else "the Chair of the ASCN"
                                 for w in voided)  # fmt: skip
            note = (f"the submission to the JCM by {names} named an older version and no "
                    "longer stands: the Chair of the ASCN and the shepherd both submit "
                    f"version {version}")  # fmt: skip
        return UpdateResult(recorded=("ReportDrafted",), version=version,
                            document_sha256=u.document_sha256, note=note,
                            as_of_position=u.as_of_position)  # fmt: skip

    async def submit_report_draft(self, year: int, update: SealedUpdate,
                                  update_id: str | None = None) -> UpdateResult:  # fmt: skip
        """ASEC submits its latest version: report_draft is settled, and the JCM
        submission opens (steps run in turn)."""
        self.calls.append(("submit_report_draft", update_id))
        return self._once(update_id, lambda: self._submit_draft(year, update))

    def _submit_draft(self, year: int, u: SealedUpdate) -> UpdateResult:
        assert isinstance(u, SubmitReportDraftUpdate)
        view, chain = self._report(year)
        step = self._open_step(view, REPORT_DRAFT_STEP)
        if not chain.drafts:
            raise Refused(f"{step}: ASEC has drafted no version of the {year} report yet; "
                          "draft one, then submit it")  # fmt: skip
        latest = chain.drafts[-1]
        try:
            check_named(_memory(chain), u.version)
        except DomainError as error:
            raise Refused(str(error)) from None
        fact = ReportDraftSubmitted(year=year, step=step, version=latest.version,
                                    document_sha256=latest.document_sha256)  # fmt: skip
        self.cycle.record(cycle_stream(year), [fact], u.actor)
        jcm = next(s for s in STEPS if s[0] == JOINT_SUBMISSION_STEP)
        self.cycle.record(cycle_stream(year), [
            StepCompleted(year=year, step=step),
            StepOpened(year=year, step=jcm[0], deadline=jcm[4]),
        ])  # fmt: skip
        return UpdateResult(recorded=("ReportDraftSubmitted",), version=latest.version,
                            document_sha256=latest.document_sha256)  # fmt: skip

    async def propose_city(self, year: int, update: SealedUpdate,
                           update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("propose_city", update_id))
        u = update
        try:
            fact = propose_city(self._membership(), self.reference, year=year,
                                member_state=u.member_state, city=u.city, capital=u.capital)  # type: ignore[attr-defined]  # fmt: skip
        except DomainError as error:
            raise Refused(str(error)) from None
        self.cycle.record(MEMBERSHIP_STREAM, [fact], u.actor)
        return UpdateResult(recorded=("CityProposed",))

    async def decide_city(self, year: int, update: SealedUpdate,
                          update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append(("decide_city", update_id))
        u = update
        try:
            fact = decide_city(self._membership(), year=year, member_state=u.member_state,  # type: ignore[attr-defined]
                               city=u.city, decision=u.decision, reason=u.reason)  # type: ignore[attr-defined]  # fmt: skip
        except DomainError as error:
            raise Refused(str(error)) from None
        self.cycle.record(MEMBERSHIP_STREAM, [fact], u.actor)
        return UpdateResult(recorded=("CityDecided",))

    async def membership_changed(self, year: int, version: int) -> bool:
        return False


@dataclass
class RecordsRecorder:
    """Stands in for Temporal before the records' workflows: the records' own activity
    decides and records (the domain's rule on the stream as stored), and an update id
    already run answers with its first outcome, as Temporal's does."""

    engine: Engine
    reference: ReferenceData = field(default_factory=ReferenceData.load)
    clock: Callable[[], datetime] = lambda: NOW
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    answered: dict[str, UpdateResult] = field(default_factory=dict)

    async def record(self, stream_id: str, update: RecordUpdate,
                     update_id: str | None = None) -> UpdateResult:  # fmt: skip
        self.calls.append((update.kind, update_id))
        if update_id is not None and update_id in self.answered:
            return self.answered[update_id]
        result = self.now(update.kind, update.command, update.actor, update_id)
        if update_id is not None:
            self.answered[update_id] = result
        return result

    def now(self, kind: str, command: dict[str, object], actor: Actor,
            key: str | None = None) -> UpdateResult:  # fmt: skip
        request = RecordRequest.model_validate({
            "idempotency_key": key or uuid.uuid4().hex, "kind": kind, "command": command,
            "actor": actor, "occurred_at": self.clock(),
        })  # fmt: skip
        try:
            facts = RecordsActivities(EventStore(self.engine), self.reference).record(request)
        except ApplicationError as error:
            raise Refused(error.message) from None
        catch_up_all(self.engine)
        return UpdateResult(recorded=facts.types)


KL, SINGAPORE = "MY-kuala-lumpur", "SG-singapore"
IMD = Actor(id="asec-imd", role="asec")
SG_CHAIR = Actor(id="sg-chair-team", role="chair_team:SG")


def _project(pid: str, title: str, status: str, *areas: str) -> Project:
    return Project.model_validate({
        "project_id": pid, "title": title, "status": status, "focus_areas": areas,
        "action_lines": [f"{title}: first phase"], "partners": ["JICA"],
        "milestones": [Milestone(title="Pilot", due=date(2027, 6, 30))],
    })  # fmt: skip


def record_2027(records: RecordsRecorder) -> None:
    """What the chain carries beside the 2027 cycle: Kuala Lumpur's and Singapore's
    plans, one project assessed, two partners, two twinning pairs (one active, one
    ended) and a project launched at the 2026 annual meeting."""
    kl = ActionPlan(city_id=KL, period_start=2026, period_end=2030, projects=(
        _project("smart-traffic", "Smart traffic lights", "ongoing", "built_infrastructure"),
        _project("flood-sensors", "Flood sensors", "planned", "quality_environment",
                 "safety_and_security"),
        _project("e-payments", "Cashless payments", "completed", "industry_and_innovation"),
    ))  # fmt: skip
    sg = ActionPlan(city_id=SINGAPORE, period_start=2025, period_end=2030, projects=(
        _project("open-data", "Open data portal", "ongoing", "civic_and_social"),
    ))  # fmt: skip
    commands: list[tuple[str, object, Actor]] = [
        ("submit_plan", kl, Actor(id="csco-kl", role=f"csco:{KL}")),
        ("submit_plan", sg, Actor.nr("SG", "nr-sg")),
        ("assess_project", AssessProject(year=YEAR, city_id=SINGAPORE, project_id="open-data",
                                         status="ongoing", evidence="The portal is live."), IMD),
        ("add_partner", AddPartner(partner_id="jica", name="Japan International Cooperation "
                                   "Agency", kind="government", year=2026), SG_CHAIR),
        ("add_partner", AddPartner(partner_id="adb", name="Asian Development Bank",
                                   kind="financial_institution", year=2020), SG_CHAIR),
        ("pair_city", PairCity(city_id=KL, partner_id="jica", starts=date(2026, 8, 1),
                               ends=date(2028, 7, 31)), SG_CHAIR),
        ("pair_city", PairCity(city_id=SINGAPORE, partner_id="adb", starts=date(2020, 1, 1),
                               ends=date(2024, 12, 31)), SG_CHAIR),
        ("record_meeting_outcome", RecordMeetingOutcome(year=2026, launches=(Launch(
            city_id=KL, project_id="smart-traffic", title="Smart traffic lights",
            partner_id="jica"),)), SG_CHAIR),
    ]  # fmt: skip
    for kind, command, actor in commands:
        assert isinstance(command, ActionPlan | AssessProject | AddPartner | PairCity
                          | RecordMeetingOutcome)  # fmt: skip
        records.now(kind, command.model_dump(mode="json"), actor)


class Outbox:
    """Keeps the sign-in mails the pages send."""

    def __init__(self) -> None:
        self.sent: list[tuple[EmailMessage, list[str]]] = []

    async def send(self, message: EmailMessage, recipients: list[str]) -> None:
        self.sent.append((message, recipients))

    def last_link(self) -> str:
        body = str(self.sent[-1][0].get_content())
        line = next(part for part in body.split() if "/app/signin/link?token=" in part)
        return line


@dataclass
class Site:
    app: FastAPI
    cycle: CycleStore
    gateway: RecordingGateway
    outbox: Outbox
    engine: Engine
    clock: list[datetime]
    records: RecordsRecorder


def build_site(
    path: Path,
    base_url: str = "http://testserver",
    *,
    secure: bool = False,
    contacts: Contacts | None = None,
) -> Site:
    """The site over a new store at ``path``; ``contacts``: the packaged placeholders
    (which name every role that signs in) unless given."""
    engine = create_store_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    directory = users.Directory(store=EventStore(engine), clock=lambda: NOW)
    for name, role in USERS.items():
        users.add_user(directory, users.AddUser(name=name, role=role), SETUP)
    cycle = CycleStore(engine)
    cycle.open_2027()
    clock = [NOW]
    gateway = RecordingGateway(cycle, clock=lambda: clock[0])
    records = RecordsRecorder(engine, clock=lambda: clock[0])
    record_2027(records)
    outbox = Outbox()
    sealer = Sealer(SEAL_KEYS, lambda: clock[0])
    reference = ReferenceData.load()
    deps = CycleDeps(gateway=gateway, sealer=sealer, reference=reference,
                     store=EventStore(engine))  # fmt: skip
    app = create_app(
        engine=engine, cycles=deps, clock=lambda: clock[0],
        web=WebConfig(base_url=base_url, transport=outbox, secret="test-secret",
                      secure_cookies=secure, contacts=contacts or Contacts.load()),
        records=RecordsDeps(gateway=records, sealer=sealer, reference=reference),
    )  # fmt: skip
    return Site(app, cycle, gateway, outbox, engine, clock, records)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    built = build_site(tmp_path / "web.db")
    yield built
    built.engine.dispose()


@pytest.fixture
def browser_client(site: Site) -> Iterator[TestClient]:
    with TestClient(site.app, raise_server_exceptions=True) as client:
        yield client


def signed_in(client: TestClient, site: Site, name: str) -> None:
    """Sign ``name`` in as a person would: ask for a link, open it, press the button."""
    form = client.get("/app/signin")
    token = csrf_of(form.text)
    client.post("/app/signin", data={"name": name, "csrf_token": token})
    link = site.outbox.last_link().replace("http://testserver", "")
    page = client.get(link)
    answer = client.post(
        "/app/signin/link",
        data={"token": link.split("token=")[1].split("&")[0], "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def field_of(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


__all__ = ["Message", "message_from_bytes"]
