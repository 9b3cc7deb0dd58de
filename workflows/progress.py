"""Where a cycle stands: who owes what, what is due next, and the status it reports.

Pure functions of the plan, the workflow's state and the time: the workflow asks,
and so can a test, with no Temporal in sight.
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain.calendar import CyclePlan, PlannedStep
from domain.chain import JOINT_SUBMISSION_STEP, describe_waiting, waiting_for
from domain.civil_time import (
    CivilHours,
    WorkingDays,
    escalation_at,
    reminder_at,
    state_of,
    working_days_of,
)
from domain.deadlines import shifted
from workflows.messages import CycleMemory, CycleStatus, ReportStatus, StepState, StepStatus

NOMINATION_STEP = "nomination_deadline"

_TARGETS = ("shepherd", "chair_of_ascn", "jcm_report")
# (rung, when, escalation target or None for a reminder)
Due = tuple[str, datetime, str | None]


class Progress:
    def __init__(self, plan: CyclePlan, state: CycleMemory) -> None:
        self.plan = plan
        self.state = state
        self.civil: CivilHours | None = None
        """Set by the workflow when this run sends at civil hours (its plan carries the
        working days, and it is not replaying a history recorded before them)."""

    def deadline(self, step: str) -> datetime:
        return self.state.deadlines[step]

    def settled(self, step: str) -> bool:
        return step in self.state.approved or step in self.state.waived

    def owed(self, step: PlannedStep) -> list[str]:
        """Who still owes something now: no one once the step is approved or waived."""
        return [] if self.settled(step.step) else self.outstanding(step)

    def outstanding(self, step: PlannedStep) -> list[str]:
        """Who has not delivered. Approval discharges every step's obligation except the
        nominations, where each AMS that never submitted stays outstanding."""
        if step.step != NOMINATION_STEP and step.step in self.state.approved:
            return []
        if self.joint(step.step):
            submitted = self.state.report_submitted.get(step.step, [])
            labels = self.submitter_labels()
            return [labels[who] for who in waiting_for(submitted)]
        if step.owed_by == "member_states":
            if step.step != NOMINATION_STEP:
                return [f"nr:{code}" for code in self.plan.member_states]
            return [f"nr:{c}" for c in self.plan.member_states if c not in self.state.submitted]
        if step.owed_by == "chair_of_ascn":
            return [f"nr:{self.plan.chair}"]
        if step.owed_by == "shepherd":
            return [f"shepherd:{self.plan.shepherd}"]
        return ["asec"]

    def submitter_labels(self) -> dict[str, str]:
        return {"chair_of_ascn": f"nr:{self.plan.chair}",
                "shepherd": f"shepherd:{self.plan.shepherd}"}  # fmt: skip

    def report_status(self) -> ReportStatus | None:
        """The report's versions, which one ASEC submitted and which one went to the JCM,
        and who has yet to submit the latest (None: a cycle that keeps no versions)."""
        if not self.state.report_versions:
            return None
        report, jcm = self.state.report, JOINT_SUBMISSION_STEP
        submitted = self.state.report_submitted.get(jcm, [])
        labels = self.submitter_labels()
        done = jcm in self.state.completed or self.settled(jcm)
        latest = report.latest()
        still = () if done else tuple(labels[who] for who in waiting_for(submitted))
        note = None
        if report.voided is not None and latest is not None and still:
            note = (
                f"version {latest.version} voided the submissions of version {report.voided} "
                f"to the JCM: the Chair of the ASCN and the shepherd both submit version "
                f"{latest.version}"
            )
        return ReportStatus(
            versions=tuple(report.versions), draft_submitted=report.draft_submitted,
            submitted_to_jcm=report.jcm_version,
            submitted_by=tuple(labels[who] for who in submitted), still_to_submit=still,
            returned=report.returned, note=note,
        )  # fmt: skip

    def waiting(self, name: str) -> str | None:
        """Who the joint submission waits for, and for which version of the report."""
        waiting = describe_waiting(self.state.report_submitted.get(name, []))
        if waiting is None or not self.state.report_versions:
            return waiting
        latest = self.state.report.latest()
        if latest is None:
            return f"{waiting}, once ASEC has drafted the report"
        return f"{waiting} to submit version {latest.version}"

    def joint(self, step: str) -> bool:
        """Whether the step needs both the Chair of the ASCN and the shepherd to submit."""
        return self.state.people_decide and step == JOINT_SUBMISSION_STEP

    def escalation_label(self, target: str) -> str:
        if target == "shepherd":
            return f"shepherd:{self.plan.shepherd}"
        if target == "chair_of_ascn":
            return f"chair_of_ascn:nr:{self.plan.chair}"
        return "jcm_report"

    def schedule(self, step: str) -> list[Due]:
        """Reminders and escalation rungs of the step's current deadline, in time order.
        Times stop at the ends of the calendar: a plan's dates, however extreme, cannot
        make this overflow (which would fail every workflow task of the cycle)."""
        deadline = self.deadline(step)
        if self.civil is not None:
            return self._civil_schedule(step, deadline)
        reminders: list[Due] = [
            (r.rung, shifted(deadline, -r.before), None) for r in self.plan.reminders
        ]
        ladder: list[Due] = [(e.rung, shifted(deadline, e.after), e.to) for e in self.plan.ladder]
        return sorted([*reminders, *ladder], key=lambda item: item[1])

    def _civil_schedule(self, step: str, deadline: datetime) -> list[Due]:
        """At civil hours: one reminder per rung and distinct time of those who owe the
        step (each reads it at 09:00 of its own working day); each escalation at that of
        the party it goes to."""
        planned = self.plan.step(step)
        reminders = {
            (r.rung, _utc(reminder_at(deadline, r.before, self.days_of(party))))
            for r in self.plan.reminders
            for party in self.outstanding(planned)
        }
        due: list[Due] = [(rung, at, None) for rung, at in reminders]
        due += [
            (e.rung, _utc(escalation_at(deadline, e.after, self.days_of(e.to))), e.to)
            for e in self.plan.ladder
        ]
        return sorted(due, key=lambda item: (item[1], item[0], item[2] or ""))

    def days_of(self, party: str) -> WorkingDays:
        """The working days ``party`` (a label, or an escalation target) reads mail by."""
        assert self.civil is not None
        label = self.escalation_label(party) if party in _TARGETS else party
        return working_days_of(self.civil, state_of(label, self.plan.chair), self.plan.zone)

    def reminded_at(
        self, step: str, rung: str, at: datetime, owed: tuple[str, ...]
    ) -> tuple[str, ...]:
        """Those of ``owed`` whose reminder ``rung`` of ``step`` falls at ``at``."""
        if self.civil is None:
            return owed
        before = next(r.before for r in self.plan.reminders if r.rung == rung)
        deadline = self.deadline(step)
        return tuple(p for p in owed if reminder_at(deadline, before, self.days_of(p)) == at)

    def due(self, step: str, until: datetime, *, once_per_rung: bool = True) -> list[Due]:
        """What is due by ``until``: reminders since the last look (a reminder whose time
        passed before the step opened is stale and skipped), and every escalation rung of
        the current deadline not yet sent, even one due before the step opened.

        ``once_per_rung``: a rung already escalated for this step stays escalated, and is
        not sent again when an extension moves the deadline: the party it went to already
        holds the step. (False: each deadline's rungs go out anew, as cycles recorded
        before this rule did.)
        """
        since = self.state.processed_until[step]
        escalated = self.state.escalated.get(step, []) if once_per_rung else []
        return [
            (rung, at, target)
            for rung, at, target in self.schedule(step)
            if at <= until and (since < at if target is None else self.fire_key(step, rung)
                                not in self.state.fired and rung not in escalated)
        ]  # fmt: skip

    def fire_key(self, step: str, rung: str) -> str:
        return f"{step}/{rung}/{self.deadline(step).isoformat()}"

    def next_due(self, step: str) -> datetime | None:
        since = self.state.processed_until[step]
        return min((at for _, at, _ in self.schedule(step) if at > since), default=None)

    def status(self, now: datetime) -> CycleStatus:
        steps = tuple(self._step_status(step, now) for step in self.plan.steps)
        current = next((s.step for s in steps if s.state in ("open", "overdue")), None)
        overdue = tuple(sorted({who for s in steps if s.state == "overdue" for who in s.owed_by}))
        return CycleStatus(
            year=self.plan.year, zone=self.plan.zone, chair=self.plan.chair,
            shepherd=self.plan.shepherd, now=now,
            current_step=current, overdue=overdue, steps=steps,
            reference_version=self.state.membership.version, report=self.report_status(),
        )  # fmt: skip

    def _step_status(self, step: PlannedStep, now: datetime) -> StepStatus:
        name = step.step
        opened = name in self.state.opened
        state: StepState
        if name in self.state.waived:
            state = "waived"
        elif name in self.state.completed:
            state = "completed"
        elif not opened:
            state = "pending"
        else:
            state = "overdue" if now > self.deadline(name) and self.owed(step) else "open"
        return StepStatus(
            step=name, title=step.title, state=state, opens_at=step.opens_at,
            deadline=self.deadline(name), owed_by=tuple(self.owed(step)) if opened else (),
            escalated=tuple(self.state.escalated.get(name, [])),
            waiting_for=(
                self.waiting(name)
                if self.joint(name) and opened and state in ("open", "overdue") else None
            ),
        )  # fmt: skip


def _utc(moment: datetime) -> datetime:
    """Times of the schedule in UTC: readers of several zones share one instant, and a
    reminder's key names it the same way whichever zone was met first."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # held at the end of the calendar in its own zone
        return moment
