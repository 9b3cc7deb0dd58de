"""The cycle's timetable as the report tells it: each step's dates and fate, the
extensions, escalations, waivers and reopenings, and who still owes what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.chain import JOINT_SUBMISSION_STEP
from domain.events import (
    CycleCompleted,
    CycleOpened,
    CyclePlanned,
    DeadlineExtended,
    PlannedStepFact,
    ProgressReviewSubmitted,
    ReportDraftSubmitted,
    ReportSubmitted,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
    StepReopened,
    StepWaived,
)
from domain.report.facts import Fact, utc
from domain.report.model import (
    CycleSection,
    Escalation,
    Extension,
    OutstandingLine,
    OutstandingSection,
    Reopening,
    StepLine,
    Waiver,
)
from domain.report.text import line, text

NOMINATION_STEP = "nomination_deadline"
"""The step each member state discharges by its own return (as the cycle workflow and
its read model count it): the others are owed as a whole until they are settled."""
_SETTLING = (StepApproved, ProgressReviewSubmitted, ReportDraftSubmitted)


@dataclass
class StepFold:
    """One step's facts, folded in log order."""

    planned: PlannedStepFact | None
    name: str
    opened_at: datetime | None = None
    original_deadline: datetime | None = None
    deadline: datetime | None = None
    settled: bool = False
    waived: bool = False
    completed_at: datetime | None = None
    on_time: bool | None = None
    left_owing: tuple[str, ...] = ()
    """Who still owed the step when it completed (``StepCompleted.outstanding``)."""
    escalated: tuple[str, ...] = ()
    """Who the escalations since the step (re)opened named; empty if none."""
    ever_escalated: tuple[str, ...] = ()
    submitted: set[str] = field(default_factory=set)
    """The JCM submitters since the step last reopened."""

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


@dataclass
class CycleFold:
    """A year's cycle folded: who chairs, the plan, and each step."""

    opened: CycleOpened | None = None
    plan: CyclePlanned | None = None
    steps: dict[str, StepFold] = field(default_factory=dict)
    extensions: list[Extension] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    reopenings: list[Reopening] = field(default_factory=list)
    completed: bool = False

    @property
    def exists(self) -> bool:
        return self.opened is not None

    def step(self, name: str) -> StepFold:
        known = self.steps.get(name)
        if known is None:
            known = self.steps[name] = StepFold(planned=None, name=name)
        return known

    def member_states(self) -> list[str]:
        """The member states the plan owes returns from, by code."""
        codes = {
            party.removeprefix("nr:")
            for s in self.steps.values()
            if s.planned is not None and s.planned.owed_by == "member_states"
            for party in s.planned.parties
            if party.startswith("nr:")
        }
        return sorted(codes)


def fold_cycle(facts: list[Fact]) -> CycleFold:
    """The year's cycle facts (in log order) folded."""
    cycle = CycleFold()
    for fact in facts:
        _apply(cycle, fact)
    return cycle


def _apply(cycle: CycleFold, fact: Fact) -> None:
    event, at = fact.event, utc(fact.occurred_at)
    if isinstance(event, CycleOpened):
        cycle.opened = event
    elif isinstance(event, CyclePlanned):
        cycle.plan = event
        for planned in event.steps:
            step = cycle.step(planned.step)
            step.planned = planned
            step.original_deadline = step.original_deadline or utc(planned.deadline)
            step.deadline = step.deadline or utc(planned.deadline)
    elif isinstance(event, StepOpened):
        step = cycle.step(event.step)
        step.opened_at = at
        step.deadline = utc(event.deadline)
        step.original_deadline = step.original_deadline or step.deadline
    elif isinstance(event, DeadlineExtended):
        cycle.step(event.step).deadline = utc(event.new_deadline)
        cycle.extensions.append(_extension(event, fact.actor, at))
    elif isinstance(event, StepEscalated):
        step = cycle.step(event.step)
        step.escalated = tuple(dict.fromkeys((*step.escalated, *event.outstanding)))
        step.ever_escalated = tuple(dict.fromkeys((*step.ever_escalated, *event.outstanding)))
        cycle.escalations.append(
            Escalation(
                step=line(event.step), rung=line(event.rung),
                escalated_to=line(event.escalated_to),
                outstanding=tuple(line(p) for p in event.outstanding), at=at,
            )
        )  # fmt: skip
    elif isinstance(event, _SETTLING):
        cycle.step(event.step).settled = True
    elif isinstance(event, StepWaived):
        step = cycle.step(event.step)
        step.settled = step.waived = True
        cycle.waivers.append(Waiver(step=line(event.step), reason=text(event.reason), at=at))
    elif isinstance(event, ReportSubmitted):
        cycle.step(event.step).submitted.add(event.submitter)
    elif isinstance(event, StepReopened):
        _reopen(cycle, event, at)
    elif isinstance(event, StepCompleted):
        step = cycle.step(event.step)
        step.completed_at = at
        step.left_owing = event.outstanding
        if not step.waived:
            step.on_time = step.deadline is None or at <= step.deadline
    elif isinstance(event, CycleCompleted):
        cycle.completed = True


def _extension(event: DeadlineExtended, actor: str, at: datetime) -> Extension:
    before, after = utc(event.previous_deadline), utc(event.new_deadline)
    return Extension(
        step=line(event.step), by=line(actor), reason=text(event.reason),
        from_deadline=before, to_deadline=after, days=int((after - before) / timedelta(days=1)),
        at=at,
    )  # fmt: skip


def _reopen(cycle: CycleFold, event: StepReopened, at: datetime) -> None:
    step = cycle.step(event.step)
    step.deadline = utc(event.new_deadline)
    step.settled = False
    step.escalated = ()
    step.submitted = set()
    cycle.reopenings.append(
        Reopening(
            step=line(event.step), body=line(event.body), decision=line(event.decision),
            from_deadline=utc(event.previous_deadline), to_deadline=utc(event.new_deadline),
            at=at,
        )
    )  # fmt: skip


def _ordered(cycle: CycleFold) -> list[StepFold]:
    """Planned steps in plan order, then any step the plan did not name (a cycle recorded
    before its plan was), in the order they were first seen."""
    planned = [] if cycle.plan is None else [cycle.steps[s.step] for s in cycle.plan.steps]
    return planned + [s for s in cycle.steps.values() if s.planned is None]


def _state(step: StepFold) -> str:
    if step.waived:
        return "waived"
    if step.completed:
        return "completed"
    return "open" if step.opened_at is not None else "not_opened"


def cycle_section(cycle: CycleFold) -> CycleSection:
    if not cycle.exists:
        return CycleSection()
    lines = [_step_line(step) for step in _ordered(cycle) if step.deadline is not None]
    return CycleSection(
        exists=True,
        steps=tuple(lines),
        extensions=tuple(cycle.extensions),
        escalations=tuple(cycle.escalations),
        waivers=tuple(cycle.waivers),
        reopenings=tuple(cycle.reopenings),
        deadlines_met=sum(1 for s in lines if s.on_time is True),
        deadlines_missed=sum(1 for s in lines if s.on_time is False),
        completed=cycle.completed,
    )


def _step_line(step: StepFold) -> StepLine:
    assert step.deadline is not None
    assert step.original_deadline is not None
    planned = step.planned
    opens = utc(planned.opens_at) if planned else (step.opened_at or step.original_deadline)
    return StepLine(
        step=line(step.name),
        title=line(planned.title if planned else step.name),
        owed_by=planned.owed_by if planned else "",
        opens=opens,
        original_deadline=step.original_deadline,
        final_deadline=step.deadline,
        state=_state(step),  # type: ignore[arg-type]
        completed_on=step.completed_at,
        on_time=step.on_time,
    )


def owed(cycle: CycleFold, step: StepFold, returned: set[str]) -> list[str]:
    """Who owes an open step now, from the plan: for the nominations, each member state
    without a return for the year (``returned``: their codes); for the JCM submission,
    whichever of its two submitters has not submitted since it last reopened; otherwise
    every party the plan names."""
    if step.planned is None:
        return list(step.escalated)
    parties = list(step.planned.parties)
    if step.name == NOMINATION_STEP:
        return [p for p in parties if p.removeprefix("nr:") not in returned]
    if step.name == JOINT_SUBMISSION_STEP and step.submitted and cycle.opened is not None:
        labels = {
            "chair_of_ascn": f"nr:{cycle.opened.chair}",
            "shepherd": f"shepherd:{cycle.opened.shepherd}",
        }
        return [label for who, label in labels.items() if who not in step.submitted]
    return parties


def outstanding_section(cycle: CycleFold, returned: set[str]) -> OutstandingSection:
    """Steps open and not yet settled, with who owes them, and completed steps that left
    something owed; in plan order."""
    items: list[OutstandingLine] = []
    for step in _ordered(cycle):
        if step.deadline is None:
            continue
        title = line(step.planned.title if step.planned else step.name)
        if step.completed:
            if step.left_owing and not step.waived:
                items.append(
                    OutstandingLine(
                        step=line(step.name), title=title, state="completed",
                        deadline=step.deadline, owed_by=tuple(line(p) for p in step.left_owing),
                    )
                )  # fmt: skip
            continue
        if step.opened_at is None or step.settled:
            continue
        parties = owed(cycle, step, returned)
        if parties:
            items.append(
                OutstandingLine(
                    step=line(step.name), title=title,
                    state="escalated" if step.escalated else "open", deadline=step.deadline,
                    owed_by=tuple(line(p) for p in parties),
                )
            )  # fmt: skip
    return OutstandingSection(items=tuple(items))
