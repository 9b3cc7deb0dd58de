"""What the chain decided, and the membership, as people ask for them: folded from the
cycle's stream and the ``membership`` stream when asked (each is short: a handful of
facts a year), so there is nothing to keep in step. The chain's view includes the
annual report's versions: each draft, the one ASEC submitted, and which version each
submission to the JCM named."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from domain.events import (
    BodyDecisionRecorded,
    CityDecided,
    CityProposed,
    CycleOpened,
    NarrativeSection,
    ProgressReviewSubmitted,
    ReportDrafted,
    ReportDraftSubmitted,
    ReportSubmitted,
    StepReopened,
)
from domain.membership import MEMBERSHIP_STREAM
from domain.streams import cycle_stream
from eventstore.codec import to_domain
from eventstore.store import EventStore


class DecisionView(BaseModel):
    step: str
    body: str
    decision: str
    decided_on: date
    meeting: str
    concerning: str
    document_sha256: str | None
    reference_version: int
    recorded_by: str
    recorded_at: datetime
    reopened_until: datetime | None = None
    """The step's new deadline, when the decision deferred it or returned it."""


class SubmissionView(BaseModel):
    step: str
    submitter: str
    by: str
    at: datetime
    version: int | None = None
    """The report's version submitted (ASEC's draft, or to the JCM), where one is named."""
    document_sha256: str | None = None


class DraftView(BaseModel):
    """A version of the report as ASEC drafted it."""

    version: int
    document_sha256: str
    as_of_position: int
    headings: list[str]
    """The narrative's sections (their text is in the report: ``GET .../report/{version}``)."""
    drafted_by: str
    drafted_at: datetime


class ChainView(BaseModel):
    year: int
    decisions: list[DecisionView]
    submissions: list[SubmissionView]
    drafts: list[DraftView] = []
    """The report's versions, in the order drafted."""
    still_to_submit: list[str] = []
    """Who has yet to submit the latest version to the JCM (since it was drafted, or the
    JCM submission last reopened); none before a version exists or once both have."""


def chain_view(store: EventStore, year: int) -> ChainView:
    decisions: list[DecisionView] = []
    submissions: list[SubmissionView] = []
    drafts: list[DraftView] = []
    parties: dict[str, str] = {}
    standing: list[str] = []
    for recorded in store.read_stream(cycle_stream(year)):
        if recorded.type not in _CHAIN_TYPES:
            continue
        fact = to_domain(recorded)
        if isinstance(fact, CycleOpened):
            parties = {"chair_of_ascn": f"nr:{fact.chair}", "shepherd": f"shepherd:{fact.shepherd}"}
        elif isinstance(fact, ReportDrafted):
            drafts.append(DraftView(
                version=fact.version, document_sha256=fact.document_sha256,
                as_of_position=fact.as_of_position, headings=[s.heading for s in fact.narrative],
                drafted_by=recorded.actor, drafted_at=recorded.occurred_at,
            ))  # fmt: skip
            standing = []  # a new version: submissions of an older one lapse
        elif isinstance(fact, ReportDraftSubmitted):
            submissions.append(SubmissionView(
                step=fact.step, submitter="asec", by=recorded.actor, at=recorded.occurred_at,
                version=fact.version, document_sha256=fact.document_sha256,
            ))  # fmt: skip
        elif isinstance(fact, BodyDecisionRecorded):
            decisions.append(DecisionView(
                step=fact.step, body=fact.body, decision=fact.decision,
                decided_on=fact.decided_on, meeting=fact.meeting, concerning=fact.concerning,
                document_sha256=fact.document_sha256, reference_version=fact.reference_version,
                recorded_by=recorded.actor, recorded_at=recorded.occurred_at,
            ))  # fmt: skip
        elif isinstance(fact, StepReopened):
            if decisions:
                update = {"reopened_until": fact.new_deadline}
                decisions[-1] = decisions[-1].model_copy(update=update)
            if fact.step == "jcm_submission":
                standing = []
        elif isinstance(fact, ReportSubmitted):
            submissions.append(SubmissionView(
                step=fact.step, submitter=fact.submitter, by=recorded.actor,
                at=recorded.occurred_at, version=fact.version,
                document_sha256=fact.document_sha256,
            ))  # fmt: skip
            standing.append(fact.submitter)
        elif isinstance(fact, ProgressReviewSubmitted):
            submissions.append(SubmissionView(
                step=fact.step, submitter="asec", by=recorded.actor, at=recorded.occurred_at
            ))  # fmt: skip
    still = [label for who, label in parties.items() if who not in standing] if drafts else []
    return ChainView(year=year, decisions=decisions, submissions=submissions, drafts=drafts,
                     still_to_submit=still)  # fmt: skip


def latest_narrative(store: EventStore, year: int) -> tuple[NarrativeSection, ...]:
    """The narrative of the year's latest draft (none: no draft yet), from the cycle's
    stream: the next draft starts from it."""
    for recorded in reversed(store.read_stream(cycle_stream(year))):
        if recorded.type == "ReportDrafted":
            fact = to_domain(recorded)
            assert isinstance(fact, ReportDrafted)
            return fact.narrative
    return ()


_CHAIN_TYPES = {
    "BodyDecisionRecorded", "StepReopened", "ReportSubmitted", "ProgressReviewSubmitted",
    "CycleOpened", "ReportDrafted", "ReportDraftSubmitted",
}  # fmt: skip


class CandidateView(BaseModel):
    member_state: str
    city: str
    capital: bool
    state: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None = None
    decided_in: int | None = None
    """The cycle year whose Chair's team decided (an accepted city is a member from then)."""
    reason: str = ""


class MembershipView(BaseModel):
    version: int
    """The reference data's version: the packaged data is 0, each change adds one."""
    candidates: list[CandidateView]


def membership_view(store: EventStore) -> MembershipView:
    candidates: list[CandidateView] = []
    version = 0
    for recorded in store.read_stream(MEMBERSHIP_STREAM):
        fact = to_domain(recorded)
        version = recorded.version
        if isinstance(fact, CityProposed):
            candidates.append(CandidateView(
                member_state=fact.member_state, city=fact.city, capital=fact.capital,
                state="proposed", proposed_by=recorded.actor, proposed_at=recorded.occurred_at,
            ))  # fmt: skip
        elif isinstance(fact, CityDecided):
            for index, candidate in enumerate(candidates):
                if (candidate.state, candidate.member_state, candidate.city) == (
                    "proposed",
                    fact.member_state,
                    fact.city,
                ):
                    candidates[index] = candidate.model_copy(update={
                        "state": fact.decision, "decided_by": recorded.actor,
                        "decided_in": fact.year, "reason": fact.reason,
                    })  # fmt: skip
    return MembershipView(version=version, candidates=candidates)
