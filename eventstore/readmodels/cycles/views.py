"""Where each yearly cycle stands, as read from the cycle read models.

The queries read ``rm_cycles``, ``rm_steps`` and ``rm_overdue`` only, by primary
key or a prefix of it, so their cost does not grow with the store. They never
catch the read models up: the projector does, and a status says how far behind
it is (``CycleStatusView``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, Row, select
from sqlalchemy.engine import Connection

from eventstore.engine import reading
from eventstore.lag import ReadLag, read_lag
from eventstore.readmodels.cycles.projection import NAME
from eventstore.readmodels.schema import cycles, overdue, steps

CycleState = Literal["open", "completed"]
StepState = Literal["pending", "open", "approved", "waived", "completed"]
Settlement = Literal["approved", "waived"]


class OverdueItem(BaseModel):
    """A party that still owes something on a step whose deadline escalated."""

    model_config = ConfigDict(frozen=True)

    year: int
    step: str
    party: str
    rung: str
    """The latest escalation rung that named the party."""
    since: datetime
    """When an escalation first named the party."""


class StepView(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: str
    title: str | None = None
    """From the plan the cycle recorded as it opened (None for cycles recorded before)."""
    owed_by: str | None = None
    """From the plan: member_states, chair_of_ascn, shepherd or asec."""
    state: StepState
    settled_by: Settlement | None
    """Once completed: whether the step had been approved or waived."""
    opens_at: datetime | None = None
    """When the step opens, from the plan: a pending step shows it."""
    opened_at: datetime | None
    deadline: datetime | None
    extensions: int
    approved_by: str | None
    """The actor label of the approval."""
    completed_at: datetime | None
    outstanding: tuple[str, ...]
    """Who owes the step: from the plan while it is pending, as the latest reminder,
    escalation or submission says while it is open, no one once approved or waived;
    once completed, who still owed something (for the JCM report)."""
    escalations: tuple[str, ...]
    reminders_sent: int
    noted: tuple[str, ...]
    """Each body's decision (``noted by ACC at the 21st ASEAN Coordinating Council on
    2018-11-12``), each submission to the JCM, each reopening; ``endorsed by ACC`` in
    cycles whose engine noted by itself."""
    waiting_for: str | None = None
    """The JCM submission while open: ``waiting for the shepherd``, or both."""


class CycleSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    chair: str
    shepherd: str
    template: str
    state: CycleState
    current_step: str | None
    """The last opened step not yet completed."""
    opened_at: datetime
    completed_at: datetime | None
    position: int
    """The global position of the last cycle event applied to this year."""
    zone: str | None = None
    """The plan's time zone, in which its dates are meant (None before plans were recorded)."""


class ReportVersionView(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    document_sha256: str
    as_of_position: int
    """The log's position the version is as of: ``GET /v1/cycles/{year}/report/{version}``
    rebuilds it from the events up to there and checks its SHA-256."""
    drafted_at: datetime
    drafted_by: str


class DraftSubmission(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    by: str
    at: datetime


class ReportView(BaseModel):
    """The annual report's versions (a cycle planned with a report_draft step)."""

    model_config = ConfigDict(frozen=True)

    versions: tuple[ReportVersionView, ...]
    draft_submitted: DraftSubmission | None
    """The version ASEC submitted, settling report_draft."""
    submitted_to_jcm: int | None
    """The version last submitted to the JCM: the one the decisions after it name."""
    submitted_by: tuple[str, ...]
    """Who has submitted the latest version to the JCM (``nr:SG``, ``shepherd:SG``)."""
    still_to_submit: tuple[str, ...]
    """Who has yet to submit the latest version to the JCM (none once it completed)."""
    returned: int | None = None
    """A version the JCM returned for revision: a new one goes instead."""
    voided: int | None = None
    """The version whose submissions a later one voided, last."""

    @property
    def latest(self) -> ReportVersionView | None:
        return self.versions[-1] if self.versions else None


class CycleView(CycleSummary):
    steps: tuple[StepView, ...]
    """In plan order, pending steps included (cycles recorded before the plan was: in the
    order they opened)."""
    overdue: tuple[OverdueItem, ...]
    report: ReportView | None = None
    """The report's versions and who submitted which (None: a cycle that keeps none)."""


class CycleStatusView(CycleView):
    """A cycle as the read models show it, and how far they trail the store."""

    projected_position: int
    """The store position the cycle read models reflect."""
    store_head: int
    """The store's last position when the status was read."""
    behind: int
    """Events stored but not yet projected: the status may lack them."""

    @property
    def lag(self) -> ReadLag:
        return ReadLag(
            projected_position=self.projected_position,
            store_head=self.store_head,
            behind=self.behind,
        )


def cycle_view(engine: Engine, year: int) -> CycleView | None:
    with reading(engine) as conn:
        fields = _view_fields(conn, year)
    return None if fields is None else CycleView(**fields)


def cycle_status_view(engine: Engine, year: int) -> CycleStatusView | None:
    """The year's cycle and the lag of its read models, from one snapshot."""
    with reading(engine) as conn:
        fields = _view_fields(conn, year)
        lag = read_lag(conn, [NAME])
    return None if fields is None else CycleStatusView(**fields, **lag.model_dump())


def list_cycles(engine: Engine) -> list[CycleSummary]:
    with reading(engine) as conn:
        rows = conn.execute(select(cycles).order_by(cycles.c.year))
        return [CycleSummary(**_summary_fields(row)) for row in rows]


def overdue_items(engine: Engine, year: int) -> list[OverdueItem]:
    with reading(engine) as conn:
        return _overdue_items(conn, year)


def _view_fields(conn: Connection, year: int) -> dict[str, Any] | None:
    row = conn.execute(select(cycles).where(cycles.c.year == year)).first()
    if row is None:
        return None
    step_rows = conn.execute(
        select(steps)
        .where(steps.c.year == year)
        .order_by(steps.c.plan_order.is_(None), steps.c.plan_order, steps.c.order_position)
    ).all()
    views = tuple(_step_view(step) for step in step_rows)
    report = _report_view(row, views)
    if report is not None and report.latest is not None:  # which version the JCM awaits
        awaited = f" to submit version {report.latest.version}"
        views = tuple(
            v.model_copy(update={"waiting_for": v.waiting_for + awaited})
            if v.step == "jcm_submission" and v.waiting_for else v
            for v in views
        )  # fmt: skip
    return {
        **_summary_fields(row),
        "steps": views,
        "overdue": tuple(_overdue_items(conn, year)),
        "report": report,
    }


def _report_view(row: Row[Any], steps: tuple[StepView, ...]) -> ReportView | None:
    kept: dict[str, Any] | None = row.report
    if kept is None:
        return None
    jcm = next((s for s in steps if s.step == "jcm_submission"), None)
    done = jcm is None or jcm.state in ("approved", "waived", "completed")
    parties = (f"nr:{row.chair}", f"shepherd:{row.shepherd}")
    submitted = tuple(kept["submitted_by"])
    return ReportView(
        versions=tuple(ReportVersionView(**v) for v in kept["versions"]),
        draft_submitted=kept["draft_submitted"], submitted_to_jcm=kept["submitted_to_jcm"],
        submitted_by=submitted,
        still_to_submit=() if done else tuple(p for p in parties if p not in submitted),
        returned=kept["returned"], voided=kept["voided"],
    )  # fmt: skip


def _summary_fields(row: Row[Any]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in CycleSummary.model_fields}


def _step_view(row: Row[Any]) -> StepView:
    return StepView(
        step=row.step,
        title=row.title,
        owed_by=row.owed_by,
        state=row.state,
        settled_by=row.settled_by,
        opens_at=row.opens_at,
        opened_at=row.opened_at,
        deadline=row.deadline,
        extensions=row.extensions,
        approved_by=row.approved_by,
        completed_at=row.completed_at,
        outstanding=tuple(row.outstanding),
        escalations=tuple(row.escalations),
        reminders_sent=row.reminders_sent,
        noted=tuple(row.noted),
        waiting_for=_waiting_for(row.step, row.state, row.outstanding),
    )


def _waiting_for(step: str, state: str, outstanding: list[str]) -> str | None:
    """Who has yet to submit the report to the JCM: the Chair of the ASCN (the NR of the
    Chair) and the shepherd."""
    if step != "jcm_submission" or state != "open" or not outstanding:
        return None
    names = {"nr": "the Chair of the ASCN", "shepherd": "the shepherd"}
    waiting = [names[p.split(":")[0]] for p in outstanding if p.split(":")[0] in names]
    return "waiting for " + " and ".join(waiting) if waiting else None


def _overdue_items(conn: Connection, year: int) -> list[OverdueItem]:
    rows = conn.execute(
        select(overdue)
        .where(overdue.c.year == year)
        .order_by(overdue.c.since, overdue.c.step, overdue.c.party)
    )
    return [
        OverdueItem(year=row.year, step=row.step, party=row.party, rung=row.rung, since=row.since)
        for row in rows
    ]
