"""The annual report's versions (update handlers): ASEC drafts a version, then submits
one to settle ``report_draft`` (``domain.report_versions``).

As the chain's other handlers: each validator checks the seal, the access policy and
the rule; each handler takes the ``steps`` lock, checks again, marks what it decided,
records the fact, and undoes the mark if the fact cannot be recorded. The services
compute a version's position in the log and its SHA-256; the cycle checks their shape,
numbers the version, and keeps it (never its narrative: that is in the fact).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.access import Action
    from domain.chain import JOINT_SUBMISSION_STEP, REOPENING
    from domain.events import NarrativeSection, ReportDrafted, ReportDraftSubmitted, Submitter
    from domain.events.chain import MAX_REPORT_VERSIONS
    from domain.report_versions import (
        MAX_POSITION,
        REPORT_DRAFT_STEP,
        ReportVersion,
        check_named,
        check_narrative,
        decided_document,
        refuse_a_repeat,
    )
    from workflows import guards
    from workflows.core import CycleCore
    from workflows.messages import (
        DraftReportUpdate,
        RecordDecisionUpdate,
        StepDecision,
        SubmitReportDraftUpdate,
        UpdateResult,
    )
    from workflows.progress import Progress

# Marks the runs that keep the report's versions (README: "Changing the workflow").
REPORT_VERSIONS_PATCH = "report-versions"
# Drafts travel through the history: past this size, another one could bring the run
# near Temporal's limit (50 MB) before a step ends and the cycle continues as new.
HISTORY_FOR_A_DRAFT = 24 * 1024 * 1024
NAMES = {"chair_of_ascn": "the Chair of the ASCN", "shepherd": "the shepherd"}


class ReportVersions(CycleCore):
    # -- ASEC drafts a version ----------------------------------------------------------

    @workflow.update
    async def draft_report(self, update: DraftReportUpdate) -> UpdateResult:
        self.accept(update)
        report = self.state.report
        async with self.one_at_a_time(self.steps):
            fact = self._check_draft(update)
            voided = self.state.report_submitted.pop(JOINT_SUBMISSION_STEP, None)
            voided_before = report.voided
            if voided:
                report.voided = report.jcm_version
            report.versions.append(ReportVersion(
                version=fact.version, document_sha256=fact.document_sha256,
                as_of_position=fact.as_of_position, drafted_at=self.now(),
                drafted_by=update.actor.label,
            ))  # fmt: skip
            try:
                await self.record(_keyed("drafted"), fact, actor=update.actor)
            except ApplicationError:
                report.versions.pop()
                report.voided = voided_before
                if voided:
                    self.state.report_submitted[JOINT_SUBMISSION_STEP] = voided
                raise
        self.publish()
        return UpdateResult(
            recorded=("ReportDrafted",), version=fact.version,
            document_sha256=fact.document_sha256, note=_voiding(fact.version, voided or []),
            as_of_position=fact.as_of_position,
        )  # fmt: skip

    @draft_report.validator
    def _validate_draft(self, update: DraftReportUpdate) -> None:
        guards.sealed(update, "draft_report", self.progress, self.now())
        guards.allowed(update, Action.DRAFT_REPORT, self.progress)
        self._check_draft(update)
        # Only here, not in the handler: histories recorded before it replay unchanged.
        guards.decided_by(lambda: refuse_a_repeat(self.state.report, update.digest_as_latest))
        size = workflow.info().get_current_history_size()
        if size > HISTORY_FOR_A_DRAFT:
            raise ApplicationError(
                f"the {self.plan.year} cycle's history holds {size / 2**20:.0f} MB, too much "
                f"for another draft in this run; submit version {len(self.state.report.versions)}"
            )

    def _check_draft(self, update: DraftReportUpdate) -> ReportDrafted:
        """The draft as its fact: on ``report_draft`` once it has opened (or was waived),
        while the report is not yet frozen by its submission to the JCM."""
        self._keeps_versions()
        step = guards.known_step(self.progress, update.step)
        name = step.step
        if name != REPORT_DRAFT_STEP:
            raise ApplicationError(
                f"step: ASEC drafts the report on {REPORT_DRAFT_STEP}, not {name}"
            )
        if name not in self.state.opened and name not in self.state.waived:
            raise ApplicationError(f"{name} has not opened yet: {self.opening(step)}")
        self._not_frozen()
        version = len(self.state.report.versions) + 1
        if version > MAX_REPORT_VERSIONS:
            raise ApplicationError(f"the report has {MAX_REPORT_VERSIONS} versions, the most kept")
        if update.version is not None and update.version != version:
            raise ApplicationError(
                f"version: this draft was computed as version {update.version}, but the "
                f"report's next version is {version} (another draft was recorded meanwhile); "
                "send it again"
            )
        if not 0 <= update.as_of_position <= MAX_POSITION:
            raise ApplicationError(
                f"as_of_position: {update.as_of_position} is not a position of the log"
            )
        sections = [(s.heading, s.text) for s in update.narrative]
        guards.decided_by(lambda: check_narrative(sections))
        return guards.decided_by(lambda: ReportDrafted(
            year=self.plan.year, version=version, as_of_position=update.as_of_position,
            document_sha256=update.document_sha256, format=update.format,
            narrative=tuple(NarrativeSection(heading=h, text=t) for h, t in sections),
        ))  # fmt: skip

    def _not_frozen(self) -> None:
        """Refused once the report went to the JCM: its submission completed (or was
        approved or waived), or the cycle has no such step and is ending."""
        jcm = JOINT_SUBMISSION_STEP
        if jcm not in {s.step for s in self.plan.steps}:
            return
        decision = self.state.decided.get(jcm)
        if decision is not None:
            raise ApplicationError(
                f"the report is frozen: {decision.describe(jcm)}; no new version is drafted",
                type="AlreadySettled",
            )
        if jcm in self.state.completed or self.progress.settled(jcm):
            raise ApplicationError(
                f"the report is frozen: {jcm} is already completed; no new version is drafted"
            )

    # -- ASEC submits a version -------------------------------------------------------

    @workflow.update
    async def submit_report_draft(self, update: SubmitReportDraftUpdate) -> UpdateResult:
        self.accept(update)
        name = update.step
        report = self.state.report
        async with self.one_at_a_time(self.steps):
            latest = self._check_draft_submission(update)
            self.state.decided[name] = StepDecision(kind="submitted", by=update.actor.label,
                                                    at=self.now())  # fmt: skip
            report.draft_submitted = latest.version
            fact = ReportDraftSubmitted(year=self.plan.year, step=name, version=latest.version,
                                        document_sha256=latest.document_sha256)  # fmt: skip
            try:
                await self.record(f"{name}/submitted", fact, actor=update.actor)
            except ApplicationError:
                del self.state.decided[name]
                report.draft_submitted = None
                raise
            self.state.approved.append(name)
        return UpdateResult(recorded=("ReportDraftSubmitted",), version=latest.version,
                            document_sha256=latest.document_sha256)  # fmt: skip

    @submit_report_draft.validator
    def _validate_draft_submission(self, update: SubmitReportDraftUpdate) -> None:
        guards.sealed(update, "submit_report_draft", self.progress, self.now())
        guards.allowed(update, Action.SUBMIT_REPORT_DRAFT, self.progress)
        self._check_draft_submission(update)

    def _check_draft_submission(self, update: SubmitReportDraftUpdate) -> ReportVersion:
        """The latest version, and the one ASEC named if it named one (checked again
        under the lock: a draft may have been recorded since the validator ran)."""
        self._keeps_versions()
        step = guards.known_step(self.progress, update.step)
        if step.step != REPORT_DRAFT_STEP:
            raise ApplicationError(
                f"step: ASEC submits its draft on {REPORT_DRAFT_STEP}, not {step.step}"
            )
        if step.step not in self.state.opened:
            raise ApplicationError(f"{step.step} has not opened yet: {self.opening(step)}")
        guards.not_settled(self.progress, step.step)
        latest = self.state.report.latest()
        if latest is None:
            raise ApplicationError(
                f"{step.step}: ASEC has drafted no version of the {self.plan.year} report "
                "yet; draft one, then submit it"
            )
        guards.decided_by(lambda: check_named(self.state.report, update.version))
        return latest

    def _keeps_versions(self) -> None:
        if not self.state.report_versions:
            raise ApplicationError(
                f"the {self.plan.year} cycle keeps no versions of the report: it was planned "
                f"without a {REPORT_DRAFT_STEP} step, or started before versions were kept"
            )


def named_document(progress: Progress, update: RecordDecisionUpdate) -> str | None:
    """The SHA-256 a body's decision names: as given, or, from the JCM submission on in a
    cycle that keeps the report's versions, the submitted version's (another digest is
    refused). A waived JCM submission sent no version: as given."""
    state, names = progress.state, [s.step for s in progress.plan.steps]
    jcm = JOINT_SUBMISSION_STEP
    if not state.report_versions or jcm not in names or update.step not in names:
        return update.document_sha256
    if names.index(update.step) < names.index(jcm) or jcm in state.waived:
        return update.document_sha256
    return decided_document(
        state.report, update.document_sha256, step=update.step,
        reopening=update.decision in REOPENING,
    )  # fmt: skip


def _keyed(what: str) -> str:
    """A fact's key within the step, by the update that records it."""
    info = workflow.current_update_info()
    assert info is not None
    return f"{REPORT_DRAFT_STEP}/{what}/{info.id}"


def _voiding(version: int, voided: list[Submitter]) -> str | None:
    """What a new version did to submissions of an older one to the JCM."""
    if not voided:
        return None
    who = " and ".join(NAMES[s] for s in voided)
    return (
        f"the submission to the JCM by {who} named an older version and no longer stands: "
        f"the Chair of the ASCN and the shepherd both submit version {version}"
    )
