"""The report's versions in the read models: the cycle's status and the chain's view show
each version (number, digest, position, drafted by and when), the one ASEC submitted,
which version went to the JCM, and who still has to submit the latest; a new version
voids the submissions before it. (On SQLite and PostgreSQL, as every store test.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from domain.actors import Actor
from domain.events import (
    BodyDecisionRecorded,
    NarrativeSection,
    ReportDrafted,
    ReportDraftSubmitted,
    ReportSubmitted,
    StepCompleted,
    StepOpened,
    StepReopened,
)
from eventstore.readmodels.chain import chain_view
from eventstore.store import EventStore
from tests.store.test_planned_steps import YEAR, opened_in_november, record, the_plan, view

SEPTEMBER = datetime(2027, 9, 1, 3, 0, tzinfo=UTC)
ASEC = Actor(id="imd", role="asec")
CHAIR_OF_ASCN = Actor.nr("SG", "nr-sg")
SHEPHERD = Actor.shepherd("ID", "id-shepherd")
V1, V2 = "1" * 64, "2" * 64


def draft(version: int, sha: str, as_of: int) -> ReportDrafted:
    foreword = NarrativeSection(heading="Foreword", text="The year in brief.")
    return ReportDrafted(year=YEAR, version=version, as_of_position=as_of,
                         document_sha256=sha, narrative=(foreword,))  # fmt: skip


def submitted(who: str, version: int, sha: str) -> ReportSubmitted:
    return ReportSubmitted(year=YEAR, step="jcm_submission", submitter=who,  # type: ignore[arg-type]
                           version=version, document_sha256=sha)  # fmt: skip


def test_a_cycle_planned_with_report_draft_shows_no_version_yet(engine: Engine) -> None:
    opened_in_november(engine, the_plan())

    report = view(engine).report

    assert report is not None
    assert (report.versions, report.draft_submitted, report.submitted_to_jcm) == ((), None, None)
    assert report.still_to_submit == ("nr:SG", "shepherd:ID")


def test_versions_their_submission_and_a_new_version_voiding_the_first(engine: Engine) -> None:
    plan = the_plan()  # 2027: Chair SG, shepherd ID
    opened_in_november(engine, plan)
    draft_step, jcm = plan.step("report_draft"), plan.step("jcm_submission")
    day = timedelta(days=1)
    record(engine, StepOpened(year=YEAR, step=draft_step.step, deadline=draft_step.deadline),
           SEPTEMBER)  # fmt: skip
    record(engine, draft(1, V1, 10), SEPTEMBER + day, ASEC)
    record(engine, ReportDraftSubmitted(year=YEAR, step="report_draft", version=1,
                                        document_sha256=V1), SEPTEMBER + 2 * day, ASEC)  # fmt: skip
    record(engine, StepCompleted(year=YEAR, step="report_draft"), SEPTEMBER + 2 * day)
    record(engine, StepOpened(year=YEAR, step=jcm.step, deadline=jcm.deadline),
           SEPTEMBER + 2 * day)  # fmt: skip
    record(engine, submitted("chair_of_ascn", 1, V1), SEPTEMBER + 3 * day, CHAIR_OF_ASCN)

    first = view(engine)
    assert first.report is not None
    assert (first.report.submitted_to_jcm, first.report.submitted_by) == (1, ("nr:SG",))
    assert first.report.still_to_submit == ("shepherd:ID",)
    assert first.report.draft_submitted is not None
    assert (first.report.draft_submitted.version, first.report.draft_submitted.by) == (
        1, "asec/imd",
    )  # fmt: skip
    assert next(s for s in first.steps if s.step == "report_draft").approved_by == "asec/imd"

    record(engine, draft(2, V2, 20), SEPTEMBER + 4 * day, ASEC)

    second = view(engine)
    assert second.report is not None
    kept = [(v.version, v.document_sha256, v.as_of_position, v.drafted_by)
            for v in second.report.versions]  # fmt: skip
    assert kept == [(1, V1, 10, "asec/imd"), (2, V2, 20, "asec/imd")]
    assert second.report.versions[1].drafted_at == SEPTEMBER + 4 * day
    assert (second.report.submitted_by, second.report.voided) == ((), 1)
    assert second.report.still_to_submit == ("nr:SG", "shepherd:ID")
    step = next(s for s in second.steps if s.step == "jcm_submission")
    assert step.outstanding == ("nr:SG", "shepherd:ID")
    assert step.noted[-1] == "voided: version 2 drafted; the submissions before it lapse"

    record(engine, submitted("shepherd", 2, V2), SEPTEMBER + 5 * day, SHEPHERD)
    after = view(engine)
    assert after.report is not None
    assert (after.report.submitted_to_jcm, after.report.still_to_submit) == (2, ("nr:SG",))
    step = next(s for s in after.steps if s.step == "jcm_submission")
    assert step.outstanding == ("nr:SG",)
    assert step.waiting_for == "waiting for the Chair of the ASCN to submit version 2"

    shown = chain_view(EventStore(engine), YEAR)
    assert [(d.version, d.document_sha256, d.headings) for d in shown.drafts] == [
        (1, V1, ["Foreword"]), (2, V2, ["Foreword"]),
    ]  # fmt: skip
    assert [(s.step, s.submitter, s.version) for s in shown.submissions] == [
        ("report_draft", "asec", 1), ("jcm_submission", "chair_of_ascn", 1),
        ("jcm_submission", "shepherd", 2),
    ]  # fmt: skip
    assert shown.still_to_submit == ["nr:SG"]


def test_a_return_for_revision_names_the_version_returned(engine: Engine) -> None:
    plan = the_plan()
    opened_in_november(engine, plan)
    jcm = plan.step("jcm_submission")
    record(engine, draft(1, V1, 10), SEPTEMBER, ASEC)
    record(engine, StepOpened(year=YEAR, step=jcm.step, deadline=jcm.deadline), SEPTEMBER)
    record(engine, submitted("chair_of_ascn", 1, V1), SEPTEMBER, CHAIR_OF_ASCN)
    record(engine, BodyDecisionRecorded(
        year=YEAR, step=jcm.step, body="JCM", decision="returned_for_revision",
        decided_on=date(2027, 9, 2), meeting="JCM", concerning="ASCN report 2027, v1",
        document_sha256=V1,
    ), SEPTEMBER, Actor.chair_team("SG", "alice"))  # fmt: skip
    reopened = StepReopened(
        year=YEAR, step=jcm.step, body="JCM", decision="returned_for_revision",
        previous_deadline=jcm.deadline, new_deadline=jcm.deadline + timedelta(days=14),
    )  # fmt: skip
    record(engine, reopened, SEPTEMBER)

    report = view(engine).report

    assert report is not None
    assert (report.returned, report.submitted_by) == (1, ())
    assert report.still_to_submit == ("nr:SG", "shepherd:ID")
    assert chain_view(EventStore(engine), YEAR).still_to_submit == ["nr:SG", "shepherd:ID"]
