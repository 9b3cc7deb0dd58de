"""The annual report's versions in the cycle read model: a JSON value on the cycle's row.

``rm_cycles.report`` holds each version drafted (number, SHA-256, the log's position it
is as of, who drafted it and when), the version ASEC submitted (settling
``report_draft``), the version last submitted to the JCM and who has submitted the
latest one since it was drafted (a new version voids older submissions; a reopening of
the JCM submission does too). Who still has to submit is the views' to say, from the
step's state. A cycle planned without ``report_draft`` keeps none (null).

The value is replaced, never changed in place: the batch tells changed rows by
comparing them with what it loaded.
"""

from __future__ import annotations

import copy
from typing import Any

from domain.chain import JOINT_SUBMISSION_STEP
from domain.events import CyclePlanned, ReportDrafted, ReportDraftSubmitted, StepReopened
from domain.events.chain import ReportSubmitted
from domain.report_versions import REPORT_DRAFT_STEP
from eventstore.readmodels.rows import Row
from eventstore.records import RecordedEvent

VOIDED = "voided: "
"""A note on the JCM submission: a new version made the submissions before it stand no more."""


def empty() -> dict[str, Any]:
    return {
        "versions": [], "draft_submitted": None, "submitted_to_jcm": None,
        "submitted_by": [], "returned": None, "voided": None,
    }  # fmt: skip


def planned(cycle: Row | None, fact: CyclePlanned) -> None:
    """A plan with ``report_draft`` keeps versions: none yet."""
    if cycle is not None and any(s.step == REPORT_DRAFT_STEP for s in fact.steps):
        cycle["report"] = cycle.get("report") or empty()


def _changed(cycle: Row | None) -> dict[str, Any] | None:
    """A copy of the cycle's report value to change and put back (None: no cycle row)."""
    if cycle is None:
        return None
    return copy.deepcopy(cycle.get("report") or empty())


def drafted(cycle: Row | None, jcm: Row | None, fact: ReportDrafted, event: RecordedEvent) -> None:
    report = _changed(cycle)
    if report is None or cycle is None:
        return
    report["versions"].append({
        "version": fact.version, "document_sha256": fact.document_sha256,
        "as_of_position": fact.as_of_position, "drafted_at": event.occurred_at.isoformat(),
        "drafted_by": event.actor,
    })  # fmt: skip
    if report["submitted_by"]:
        report["voided"] = report["submitted_to_jcm"]
        report["submitted_by"] = []
        if jcm is not None and jcm["state"] in ("pending", "open"):
            note = f"{VOIDED}version {fact.version} drafted; the submissions before it lapse"
            jcm["noted"] = [*jcm["noted"], note]
            jcm["outstanding"] = jcm_parties(cycle)
    cycle["report"] = report


def draft_submitted(cycle: Row | None, fact: ReportDraftSubmitted, event: RecordedEvent) -> None:
    report = _changed(cycle)
    if report is None or cycle is None:
        return
    report["draft_submitted"] = {
        "version": fact.version,
        "by": event.actor,
        "at": event.occurred_at.isoformat(),
    }
    cycle["report"] = report


def submitted(cycle: Row | None, fact: ReportSubmitted) -> None:
    report = _changed(cycle)
    if report is None or cycle is None or fact.version is None:
        return
    party = jcm_label(cycle, fact.submitter)
    report["submitted_to_jcm"] = fact.version
    report["submitted_by"] = [*report["submitted_by"], party]
    cycle["report"] = report


def reopened(cycle: Row | None, fact: StepReopened) -> None:
    """The JCM submission open again: both submit again; after a return for revision,
    a new version first."""
    if fact.step != JOINT_SUBMISSION_STEP or cycle is None or cycle.get("report") is None:
        return
    report = _changed(cycle)
    assert report is not None
    report["submitted_by"] = []
    if fact.decision == "returned_for_revision":
        report["returned"] = report["submitted_to_jcm"]
    cycle["report"] = report


def jcm_label(cycle: Row, submitter: str) -> str:
    if submitter == "chair_of_ascn":
        return f"nr:{cycle['chair']}"
    return f"shepherd:{cycle['shepherd']}"


def jcm_parties(cycle: Row) -> list[str]:
    return [jcm_label(cycle, "chair_of_ascn"), jcm_label(cycle, "shepherd")]
