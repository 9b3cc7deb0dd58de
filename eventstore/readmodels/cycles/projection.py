"""The cycle read models, projected from the event store.

Three tables: the cycle (``rm_cycles``), its steps (``rm_steps``) and who is
overdue on which step (``rm_overdue``). The plan (``CyclePlanned``) puts every step
on record, pending, with its dates and who will owe it. A step's ``outstanding``
follows who owes it: each reminder and escalation names who still does, a
nomination (or nil return) from a member state takes its ``nr:<AMS>`` off the
nomination step, approving or waiving leaves no one. An escalation makes each
party it names overdue on the step; approving, waiving or completing a step
clears the step. What was still owed at completion stays on the step, for the
JCM report.

A batch loads the rows of the years it names, applies each event to them in
memory through ``HANDLERS`` (event type -> handler), and writes back what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from domain.chain import JOINT_SUBMISSION_STEP
from domain.events import (
    BodyDecisionRecorded,
    CycleCompleted,
    CycleOpened,
    CyclePlanned,
    DeadlineExtended,
    NilReturnDeclared,
    NominationsSubmitted,
    Noted,
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
)
from eventstore.codec import to_domain
from eventstore.readmodels.cycles import report
from eventstore.readmodels.handlers import Handler, on
from eventstore.readmodels.rows import Row, TableRows
from eventstore.readmodels.schema import cycles, overdue, steps
from eventstore.records import RecordedEvent

NAME = "cycles"
NOMINATION_STEP = "nomination_deadline"
"""The step a member state discharges by submitting (or declaring a nil return)."""


class CycleRows:
    """The cycle, step and overdue rows of the years one batch names."""

    def __init__(self, conn: Connection, years: set[int]) -> None:
        self.cycles = TableRows(cycles)
        self.steps = TableRows(steps)
        self.overdue = TableRows(overdue)
        for rows in (self.cycles, self.steps, self.overdue):
            rows.load(conn, rows.table.c.year.in_(sorted(years)))

    def flush(self, conn: Connection) -> None:
        for rows in (self.cycles, self.steps, self.overdue):
            rows.flush(conn)

    def step(self, year: int, step: str, event: RecordedEvent) -> Row:
        """The step's row, created pending if no event named it yet; now at ``event``."""
        row = self.steps.get(year, step) or self.steps.put(
            {
                "year": year, "step": step, "state": "pending", "settled_by": None,
                "opened_at": None, "deadline": None, "extensions": 0, "approved_by": None,
                "completed_at": None, "outstanding": [], "escalations": [],
                "reminders_sent": 0, "noted": [], "order_position": event.position,
                "plan_order": None, "title": None, "owed_by": None, "opens_at": None,
            }
        )  # fmt: skip
        row["position"] = event.position
        return row

    def cycle_moved(self, year: int, event: RecordedEvent, **values: Any) -> None:
        """Every cycle event moves its year's row to its position (if the cycle opened)."""
        row = self.cycles.get(year)
        if row is not None:
            row.update(position=event.position, **values)

    def clear_overdue(self, year: int, step: str, party: str | None = None) -> None:
        parties = (
            [party]
            if party is not None
            else [r["party"] for r in self.overdue.prefixed(year, step)]
        )
        for name in parties:
            self.overdue.remove(year, step, name)

    def last_opened(self, year: int, *, open_only: bool) -> str | None:
        """The step opened last (of those not completed, if ``open_only``)."""
        candidates = [
            row
            for row in self.steps.prefixed(year)
            if not open_only or (row["state"] != "completed" and row["opened_at"] is not None)
        ]
        latest = max(candidates, key=lambda row: row["order_position"], default=None)
        return None if latest is None else str(latest["step"])


def _cycle_opened(rows: CycleRows, fact: CycleOpened, event: RecordedEvent) -> None:
    rows.cycles.put(
        {
            "year": fact.year, "chair": fact.chair, "shepherd": fact.shepherd,
            "template": fact.template, "state": "open", "current_step": None,
            "opened_at": event.occurred_at, "completed_at": None, "position": event.position,
            "zone": None, "report": None,
        }
    )  # fmt: skip


def _cycle_planned(rows: CycleRows, fact: CyclePlanned, event: RecordedEvent) -> None:
    for order, planned in enumerate(fact.steps):
        step = rows.step(fact.year, planned.step, event)
        step.update(
            plan_order=order, title=planned.title, owed_by=planned.owed_by,
            opens_at=planned.opens_at, deadline=step["deadline"] or planned.deadline,
        )  # fmt: skip
        if step["state"] == "pending":
            step["outstanding"] = list(planned.parties)
    report.planned(rows.cycles.get(fact.year), fact)
    rows.cycle_moved(fact.year, event, zone=fact.zone)


def _owing(step: Row, parties: Sequence[str]) -> None:
    """Who owes an open step now, as the cycle's latest reminder or escalation says."""
    if step["state"] in ("pending", "open"):
        step["outstanding"] = list(dict.fromkeys(parties))


def _step_opened(rows: CycleRows, fact: StepOpened, event: RecordedEvent) -> None:
    step = rows.step(fact.year, fact.step, event)
    if step["state"] == "pending":  # approved or waived ahead of opening: it stays so
        step["state"] = "open"
    step.update(opened_at=event.occurred_at, deadline=fact.deadline, order_position=event.position)
    rows.cycle_moved(fact.year, event, current_step=fact.step)


def _reminder_sent(rows: CycleRows, fact: ReminderSent, event: RecordedEvent) -> None:
    step = rows.step(fact.year, fact.step, event)
    step["reminders_sent"] += 1
    _owing(step, fact.recipients)
    rows.cycle_moved(fact.year, event)


def _deadline_extended(rows: CycleRows, fact: DeadlineExtended, event: RecordedEvent) -> None:
    step = rows.step(fact.year, fact.step, event)
    step.update(deadline=fact.new_deadline, extensions=step["extensions"] + 1)
    rows.cycle_moved(fact.year, event)


def _step_escalated(rows: CycleRows, fact: StepEscalated, event: RecordedEvent) -> None:
    step = rows.step(fact.year, fact.step, event)
    step["escalations"] = [*step["escalations"], fact.rung]
    _owing(step, fact.outstanding)
    for party in dict.fromkeys(fact.outstanding):
        known = rows.overdue.get(fact.year, fact.step, party)
        if known is not None:  # overdue since the first escalation that named it
            known.update(rung=fact.rung, position=event.position)
            continue
        rows.overdue.put(
            {
                "year": fact.year, "step": fact.step, "party": party, "rung": fact.rung,
                "since": event.occurred_at, "position": event.position,
            }
        )  # fmt: skip
    rows.cycle_moved(fact.year, event)


def _settled(rows: CycleRows, year: int, name: str, settled: str, event: RecordedEvent) -> Row:
    step = rows.step(year, name, event)
    if step["state"] != "completed":
        step["state"] = settled
        step["outstanding"] = []  # settled: no one owes it any more
    rows.clear_overdue(year, name)
    rows.cycle_moved(year, event)
    return step


def _step_approved(rows: CycleRows, fact: StepApproved, event: RecordedEvent) -> None:
    _settled(rows, fact.year, fact.step, "approved", event)["approved_by"] = event.actor


def _step_waived(rows: CycleRows, fact: StepWaived, event: RecordedEvent) -> None:
    _settled(rows, fact.year, fact.step, "waived", event)


def _step_completed(rows: CycleRows, fact: StepCompleted, event: RecordedEvent) -> None:
    step = rows.step(fact.year, fact.step, event)
    if step["state"] in ("approved", "waived"):
        step["settled_by"] = step["state"]
    step.update(
        state="completed", completed_at=event.occurred_at, outstanding=list(fact.outstanding)
    )
    rows.clear_overdue(fact.year, fact.step)
    rows.cycle_moved(fact.year, event, current_step=rows.last_opened(fact.year, open_only=True))


def _noted(rows: CycleRows, fact: Noted, event: RecordedEvent) -> None:
    """A body noted the report of the step at hand: the current step (the workflow
    records Noted just before completing it), else the step opened last."""
    cycle = rows.cycles.get(fact.year)
    name = cycle["current_step"] if cycle is not None else None
    name = name or rows.last_opened(fact.year, open_only=False)
    if name is not None:
        step = rows.step(fact.year, name, event)
        step["noted"] = [*step["noted"], f"{fact.decision} by {fact.body}"]
    rows.cycle_moved(fact.year, event)


SUBMITTED = "report submitted by "
REOPENED = "reopened: "
STARTS_OVER = (REOPENED, report.VOIDED)


def _joint_parties(rows: CycleRows, year: int) -> dict[str, str]:
    """Who submits the report to the JCM: submitter -> party label."""
    cycle = rows.cycles.get(year)
    chair, shepherd = (cycle["chair"], cycle["shepherd"]) if cycle else ("?", "?")
    return {"chair_of_ascn": f"nr:{chair}", "shepherd": f"shepherd:{shepherd}"}


def _report_submitted(rows: CycleRows, fact: ReportSubmitted, event: RecordedEvent) -> None:
    """One of the two submitted: the other still owes the step (since it last reopened)."""
    step = rows.step(fact.year, fact.step, event)
    parties = _joint_parties(rows, fact.year)
    step["noted"] = [*step["noted"], f"{SUBMITTED}{parties[fact.submitter]}"]
    # Submissions count since the step last reopened, or a new version voided them.
    reopened = [i for i, note in enumerate(step["noted"]) if note.startswith(STARTS_OVER)]
    since = step["noted"][reopened[-1] + 1 :] if reopened else step["noted"]
    done = {note.removeprefix(SUBMITTED) for note in since if note.startswith(SUBMITTED)}
    if step["state"] in ("pending", "open"):
        step["outstanding"] = [party for party in parties.values() if party not in done]
    rows.clear_overdue(fact.year, fact.step, parties[fact.submitter])
    report.submitted(rows.cycles.get(fact.year), fact)
    rows.cycle_moved(fact.year, event)


def _body_decided(rows: CycleRows, fact: BodyDecisionRecorded, event: RecordedEvent) -> None:
    step = rows.step(fact.year, fact.step, event)
    decided = fact.decision.replace("_", " ")
    note = f"{decided} by {fact.body} at the {fact.meeting} on {fact.decided_on.isoformat()}"
    step["noted"] = [*step["noted"], note]
    rows.cycle_moved(fact.year, event)


def _step_reopened(rows: CycleRows, fact: StepReopened, event: RecordedEvent) -> None:
    """Open again until the new deadline; its escalations start over."""
    step = rows.step(fact.year, fact.step, event)
    due = fact.new_deadline.date().isoformat()
    note = f"{REOPENED}{fact.decision.replace('_', ' ')} by {fact.body}, due {due}"
    step.update(deadline=fact.new_deadline, escalations=[], noted=[*step["noted"], note])
    if step["state"] != "completed":
        step["state"] = "open"
    if fact.step == "jcm_submission" and fact.decision == "returned_for_revision":
        step["outstanding"] = list(_joint_parties(rows, fact.year).values())
    report.reopened(rows.cycles.get(fact.year), fact)
    rows.clear_overdue(fact.year, fact.step)
    rows.cycle_moved(fact.year, event)


def _progress_reviewed(
    rows: CycleRows, fact: ProgressReviewSubmitted, event: RecordedEvent
) -> None:
    _settled(rows, fact.year, fact.step, "approved", event)["approved_by"] = event.actor


def _report_drafted(rows: CycleRows, fact: ReportDrafted, event: RecordedEvent) -> None:
    jcm = rows.steps.get(fact.year, JOINT_SUBMISSION_STEP)
    report.drafted(rows.cycles.get(fact.year), jcm, fact, event)
    rows.cycle_moved(fact.year, event)


def _report_draft_submitted(
    rows: CycleRows, fact: ReportDraftSubmitted, event: RecordedEvent
) -> None:
    """ASEC submitted a version: report_draft is settled, by ASEC."""
    _settled(rows, fact.year, fact.step, "approved", event)["approved_by"] = event.actor
    report.draft_submitted(rows.cycles.get(fact.year), fact, event)


def _cycle_completed(rows: CycleRows, fact: CycleCompleted, event: RecordedEvent) -> None:
    rows.cycle_moved(
        fact.year, event, state="completed", completed_at=event.occurred_at, current_step=None
    )


def _discharged(
    rows: CycleRows, fact: NominationsSubmitted | NilReturnDeclared, _event: RecordedEvent
) -> None:
    party = f"nr:{fact.member_state}"
    rows.clear_overdue(fact.year, NOMINATION_STEP, party)
    step = rows.steps.get(fact.year, NOMINATION_STEP)
    if step is not None and step["state"] in ("pending", "open"):
        step["outstanding"] = [who for who in step["outstanding"] if who != party]


HANDLERS: dict[str, Handler[CycleRows]] = dict(
    [
        on(CycleOpened, _cycle_opened),
        on(CyclePlanned, _cycle_planned),
        on(StepOpened, _step_opened),
        on(ReminderSent, _reminder_sent),
        on(DeadlineExtended, _deadline_extended),
        on(StepEscalated, _step_escalated),
        on(StepApproved, _step_approved),
        on(StepWaived, _step_waived),
        on(StepCompleted, _step_completed),
        on(Noted, _noted),
        on(BodyDecisionRecorded, _body_decided),
        on(StepReopened, _step_reopened),
        on(ReportSubmitted, _report_submitted),
        on(ProgressReviewSubmitted, _progress_reviewed),
        on(ReportDrafted, _report_drafted),
        on(ReportDraftSubmitted, _report_draft_submitted),
        on(CycleCompleted, _cycle_completed),
        on(NominationsSubmitted, _discharged),
        on(NilReturnDeclared, _discharged),
    ]
)


class CycleProjection:
    name = NAME
    event_types: frozenset[str] | None = frozenset(HANDLERS)

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        facts = [(to_domain(event), event) for event in events]
        rows = CycleRows(conn, {getattr(fact, "year") for fact, _ in facts})  # noqa: B009
        for fact, event in facts:
            HANDLERS[event.type](rows, fact, event)
        rows.flush(conn)
