"""The chain as people record it (update handlers): each body's decision, the joint
submission to the JCM, and ASEC's progress review.

As in ``workflows.deciding``: each validator checks the seal, the access policy and the
domain's rule; each handler takes the ``steps`` lock, checks again, marks what it
decided before its facts are recorded, and undoes the mark if they cannot be. A decision
by the step's own body that notes, endorses or adopts settles the step; a deferral or a
return reopens it until a new deadline, with its reminders and escalations re-armed.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.access import Action
    from domain.calendar import PlannedStep
    from domain.chain import (
        CHAIN_BODIES,
        JOINT_SUBMISSION_STEP,
        PROGRESS_REVIEW_STEP,
        REOPENING,
        body_of_step,
        check_decision,
        check_submission,
        waiting_for,
    )
    from domain.events import (
        BodyDecisionRecorded,
        ProgressReviewSubmitted,
        ReportSubmitted,
        StepReopened,
        Submitter,
    )
    from domain.report_versions import ReportVersion, to_submit
    from workflows import guards
    from workflows.core import CycleCore
    from workflows.messages import (
        ExtendDeadlineUpdate,
        RecordDecisionUpdate,
        StepDecision,
        SubmitProgressReviewUpdate,
        SubmitReportUpdate,
        UpdateResult,
    )
    from workflows.reporting import named_document

CHAIN_PATCH = "decisions-by-people"


class ChainDecisions(CycleCore):
    # -- a body's decision ---------------------------------------------------------

    @workflow.update
    async def record_decision(self, update: RecordDecisionUpdate) -> UpdateResult:
        self.accept(update)
        name = update.step
        async with self.one_at_a_time(self.steps):
            step, reopen_until = self._check_decision(update)
            fact = self._decision_fact(update)
            key = f"{name}/decision/{workflow.current_update_info().id}"  # type: ignore[union-attr]
            if reopen_until is not None:
                return await self._reopen(update, fact, key, reopen_until)
            if not self._settles(step, update):
                await self.record(key, fact, actor=update.actor)
                return UpdateResult(recorded=("BodyDecisionRecorded",))
            self.state.decided[name] = StepDecision(kind="decided", by=update.actor.label,
                                                    at=self.now())  # fmt: skip
            try:
                await self.record(key, fact, actor=update.actor)
            except ApplicationError:
                del self.state.decided[name]
                raise
            self.state.approved.append(name)
        return UpdateResult(recorded=("BodyDecisionRecorded",))

    @record_decision.validator
    def _validate_decision(self, update: RecordDecisionUpdate) -> None:
        guards.sealed(update, "record_decision", self.progress, self.now())
        guards.allowed(update, Action.RECORD_DECISION, self.progress)
        self._check_decision(update)

    def _check_decision(self, update: RecordDecisionUpdate) -> tuple[PlannedStep, datetime | None]:
        """The step it concerns has opened and is not waived; the rule holds; a deferral
        or a return names a new deadline that an extension could set, on a step still open."""
        self._people_decide()
        step = guards.known_step(self.progress, update.step)
        name = step.step
        if name not in self.state.opened:
            raise ApplicationError(f"step: {name} has not opened yet; nothing was put to a body")
        if name in self.state.waived:
            raise ApplicationError(f"step: {name} was waived; no body decided on it")
        bodies = (*CHAIN_BODIES, *self.input.reference.sectoral_bodies_for(self.plan.year))
        guards.decided_by(lambda: check_decision(
            year=self.plan.year, body=update.body, decision=update.decision,
            decided_on=update.decided_on, today=self.now().date(), meeting=update.meeting,
            concerning=update.concerning, bodies=bodies,
        ))  # fmt: skip
        self._decision_fact(update)
        if update.decision not in REOPENING:
            if update.new_deadline is not None:
                raise ApplicationError(
                    "new_deadline: only a deferral or a return reopens a step with a new deadline"
                )
            if self._settles(step, update):
                guards.not_settled(self.progress, name)
            return step, None
        if update.new_deadline is None:
            raise ApplicationError(
                f"new_deadline: a decision {update.decision} reopens {name}; it needs a new "
                "deadline"
            )
        own = body_of_step(step.noted_by)
        if update.body != own:
            raise ApplicationError(
                f"body: only {own or 'the body the step is put to'} can reopen {name}; "
                f"{update.body}'s decision is recorded without reopening it"
            )
        if name in self.state.completed:
            raise ApplicationError(f"step: {name} is already completed; it cannot be reopened")
        guards.not_settled(self.progress, name)
        reason = f"{update.body} {update.decision.replace('_', ' ')} at {update.meeting}"
        as_extension = ExtendDeadlineUpdate(
            actor=update.actor, step=name, new_deadline=update.new_deadline, reason=reason
        )
        try:
            new, _ = guards.extension(self.progress, as_extension, self.now())
        except ApplicationError as error:
            raise ApplicationError(f"new_deadline: {error.message}", type=error.type) from None
        return step, new

    def _decision_fact(self, update: RecordDecisionUpdate) -> BodyDecisionRecorded:
        """The fact, built as the validator checked it: what its model refuses (a
        malformed ``document_sha256``) is refused, never a failed workflow task."""
        document = guards.decided_by(lambda: named_document(self.progress, update))
        return guards.decided_by(lambda: BodyDecisionRecorded(
            year=self.plan.year, step=update.step, body=update.body, decision=update.decision,
            decided_on=update.decided_on, meeting=update.meeting.strip(),
            concerning=update.concerning.strip(), document_sha256=document,
            reference_version=self.state.membership.version,
        ))  # fmt: skip

    def _settles(self, step: PlannedStep, update: RecordDecisionUpdate) -> bool:
        """A decision by the step's own body that notes, endorses or adopts, on a step
        still open, settles it (a joint submission settles only when both submitted)."""
        name = step.step
        return (
            update.decision not in REOPENING
            and body_of_step(step.noted_by) == update.body
            and not self.progress.joint(name)
            and name not in self.state.completed
            and not self.progress.settled(name)
            and name not in self.state.decided
        )

    async def _reopen(
        self, update: RecordDecisionUpdate, fact: BodyDecisionRecorded, key: str, new: datetime
    ) -> UpdateResult:
        name = update.step
        before = self.deadline(name)
        escalated = self.state.escalated.pop(name, None)
        submitted = self.state.report_submitted.pop(name, None)
        self.state.deadlines[name] = new
        self.woken = True
        report, returned = self.state.report, self.state.report.returned
        if name == JOINT_SUBMISSION_STEP and update.decision == "returned_for_revision":
            report.returned = report.jcm_version  # a new draft before it goes again
        assert update.decision in ("deferred", "returned_for_revision")
        reopened = StepReopened(year=self.plan.year, step=name, body=update.body,
                                decision=update.decision, previous_deadline=before,
                                new_deadline=new)  # fmt: skip
        try:
            await self.record(key, fact, actor=update.actor)
            await self.record(f"{key}/reopened", reopened, actor=update.actor)
        except ApplicationError:
            self.state.deadlines[name] = before
            if escalated is not None:
                self.state.escalated[name] = escalated
            if submitted is not None:
                self.state.report_submitted[name] = submitted
            report.returned = returned
            self.woken = True
            raise
        self.publish()
        return UpdateResult(recorded=("BodyDecisionRecorded", "StepReopened"))

    # -- the joint submission to the JCM ----------------------------------------------

    @workflow.update
    async def submit_report(self, update: SubmitReportUpdate) -> UpdateResult:
        self.accept(update)
        name = update.step
        report = self.state.report
        async with self.one_at_a_time(self.steps):
            who, version = self._check_submission(update)
            submitted = self.state.report_submitted.setdefault(name, [])
            submitted.append(who)
            complete = not waiting_for(submitted)
            if complete:
                self.state.decided[name] = StepDecision(kind="submitted", by=update.actor.label,
                                                        at=self.now())  # fmt: skip
            before, key = report.jcm_version, f"{name}/submitted/{who}"
            named: dict[str, object] = {}
            if version is not None:  # the version and its digest; each submission's own key
                report.jcm_version = version.version
                named = {"version": version.version, "document_sha256": version.document_sha256}
                key = f"{key}/{workflow.current_update_info().id}"  # type: ignore[union-attr]
            fact = ReportSubmitted.model_validate(
                {"year": self.plan.year, "step": name, "submitter": who, **named}
            )
            try:
                await self.record(key, fact, actor=update.actor)
            except ApplicationError:
                submitted.remove(who)
                self.state.decided.pop(name, None)
                report.jcm_version = before
                raise
            if complete:
                self.state.approved.append(name)
        self.publish()
        if version is None:
            return UpdateResult(recorded=("ReportSubmitted",))
        return UpdateResult(
            recorded=("ReportSubmitted",), version=version.version,
            document_sha256=version.document_sha256, note=self.progress.waiting(name),
        )  # fmt: skip

    @submit_report.validator
    def _validate_report(self, update: SubmitReportUpdate) -> None:
        guards.sealed(update, "submit_report", self.progress, self.now())
        guards.allowed(update, Action.SUBMIT_REPORT, self.progress)
        self._check_submission(update)

    def _check_submission(
        self, update: SubmitReportUpdate
    ) -> tuple[Submitter, ReportVersion | None]:
        """Who submits, and (a cycle that keeps the report's versions) which version:
        the latest, the same for both, and the one the submitter named if it named one
        (checked again under the lock: a draft may have been recorded since)."""
        self._people_decide()
        step = guards.known_step(self.progress, update.step)
        if step.step != JOINT_SUBMISSION_STEP:
            raise ApplicationError(
                f"step: only {JOINT_SUBMISSION_STEP} is submitted by the Chair of the ASCN "
                "and the shepherd"
            )
        self._open(step)
        who: Submitter = "shepherd" if update.actor.kind == "shepherd" else "chair_of_ascn"
        guards.decided_by(lambda: check_submission(
            who, self.state.report_submitted.get(step.step, []), step.step))  # fmt: skip
        if not self.state.report_versions:
            if update.version is not None:
                raise ApplicationError(
                    f"version: the {self.plan.year} cycle keeps no versions of the report; "
                    f"submit it without naming version {update.version}"
                )
            return who, None
        return who, guards.decided_by(
            lambda: to_submit(self.state.report, step.step, update.version)
        )

    # -- ASEC's progress review -------------------------------------------------------

    @workflow.update
    async def submit_progress_review(self, update: SubmitProgressReviewUpdate) -> UpdateResult:
        self.accept(update)
        name = update.step
        async with self.one_at_a_time(self.steps):
            self._check_review(update)
            self.state.decided[name] = StepDecision(kind="submitted", by=update.actor.label,
                                                    at=self.now())  # fmt: skip
            fact = ProgressReviewSubmitted(year=self.plan.year, step=name)
            try:
                await self.record(f"{name}/submitted", fact, actor=update.actor)
            except ApplicationError:
                del self.state.decided[name]
                raise
            self.state.approved.append(name)
        return UpdateResult(recorded=("ProgressReviewSubmitted",))

    @submit_progress_review.validator
    def _validate_review(self, update: SubmitProgressReviewUpdate) -> None:
        guards.sealed(update, "submit_progress_review", self.progress, self.now())
        guards.allowed(update, Action.SUBMIT_PROGRESS_REVIEW, self.progress)
        self._check_review(update)

    def _check_review(self, update: SubmitProgressReviewUpdate) -> None:
        self._people_decide()
        step = guards.known_step(self.progress, update.step)
        if step.step != PROGRESS_REVIEW_STEP:
            raise ApplicationError(f"step: {step.step} is not the progress review")
        self._open(step)

    # -- shared -----------------------------------------------------------------------

    def _open(self, step: PlannedStep) -> None:
        if step.step not in self.state.opened:
            raise ApplicationError(f"step: {step.step} has not opened yet")
        guards.not_settled(self.progress, step.step)

    def _people_decide(self) -> None:
        if not self.state.people_decide:
            raise ApplicationError(
                "this cycle started before decisions were recorded by people; it records "
                "them as it always did"
            )
