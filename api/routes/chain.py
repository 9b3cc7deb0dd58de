"""The chain as people record it: each body's decision, ASEC's drafts of the report and
its submission of one, the joint submission to the JCM, ASEC's progress review,
candidature cities; and what was decided."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.auth import may
from api.chain_models import (
    CandidatureCity,
    CityDecision,
    DecisionBody,
    DraftBody,
    Drafted,
    SubmissionBody,
    Submitted,
)
from api.context import Context
from api.idempotency import Idempotent
from api.limits import LARGE_BODY_LIMIT
from api.models import Recorded
from api.problems import problem_responses
from api.routes.cycles import BODY_PROBLEMS, WRITE_PROBLEMS, StepPath, YearPath, recorded
from api.status import known_cycle
from domain.access import Action
from domain.actors import Actor
from eventstore.readmodels.chain import ChainView, MembershipView, chain_view, membership_view
from services import cycles, reports
from services.commands import (
    DecideCity,
    DraftReport,
    Outcome,
    ProposeCity,
    RecordDecision,
    SubmitProgressReview,
    SubmitReport,
    SubmitReportDraft,
)

router = APIRouter(prefix="/v1/cycles/{year}", tags=["chain"])
membership_router = APIRouter(prefix="/v1/membership", tags=["chain"])

Recorder = Annotated[Actor, Depends(may(Action.RECORD_DECISION))]
Submitter = Annotated[Actor, Depends(may(Action.SUBMIT_REPORT))]
Reviewer = Annotated[Actor, Depends(may(Action.SUBMIT_PROGRESS_REVIEW))]
Drafter = Annotated[Actor, Depends(may(Action.DRAFT_REPORT))]
DraftSubmitter = Annotated[Actor, Depends(may(Action.SUBMIT_REPORT_DRAFT))]
Proposer = Annotated[Actor, Depends(may(Action.PROPOSE_CITY))]
CityDecider = Annotated[Actor, Depends(may(Action.DECIDE_CITY))]
Reader = Annotated[Actor, Depends(may(Action.READ_CYCLE))]


@router.post("/steps/{step}/decisions", response_model=Recorded, responses=BODY_PROBLEMS)
async def record_decision(
    year: YearPath, step: StepPath, body: DecisionBody, actor: Recorder, context: Context,
    once: Idempotent,
) -> Recorded | Response:  # fmt: skip
    """A body's decision on what the step put to it (the Chair's team of the year, or
    ASEC). The step's own body noting, endorsing or adopting settles it; a deferral or a
    return reopens it until ``new_deadline``."""
    command = RecordDecision(
        year=year, step=step, body=body.body, decision=body.decision,
        decided_on=body.decided_on, meeting=body.meeting, concerning=body.concerning,
        document_sha256=body.document_sha256, new_deadline=body.new_deadline,
        request_id=once.key,
    )  # fmt: skip
    return await once(
        actor, body, lambda: recorded(cycles.record_decision(command, actor, context.cycles))
    )


@router.post("/jcm-submission", response_model=Submitted, responses=BODY_PROBLEMS)
async def submit_report(
    year: YearPath, actor: Submitter, context: Context, once: Idempotent,
    body: SubmissionBody | None = None,
) -> Submitted | Response:  # fmt: skip
    """The Chair of the ASCN (``nr:<Chair>``) or the shepherd submits the report to the
    JCM; the step completes once both have. In a cycle with ``report_draft``, each
    submits the latest version ASEC drafted (named in the answer, with its SHA-256):
    refused (409) while there is none, and a later version needs both to submit again.
    A body naming the ``version`` the submitter read is refused (409, naming both) unless
    that is still the latest when the cycle records it; without one, the latest goes."""
    version = None if body is None else body.version
    command = SubmitReport(year=year, version=version, request_id=once.key)
    return await once(
        actor, body, lambda: submitted(cycles.submit_report(command, actor, context.cycles))
    )


@router.post(
    "/report/drafts", status_code=201, response_model=Drafted, responses=BODY_PROBLEMS,
    max_body_size=LARGE_BODY_LIMIT,  # a narrative may be long (api.limits)
)  # fmt: skip
async def draft_report(
    year: YearPath, body: DraftBody, actor: Drafter, context: Context, once: Idempotent
) -> Drafted | Response:
    """ASEC (IMD) drafts the next version of the report: the report as the store has it
    now, with this narrative. The answer names its number, its SHA-256 and the log's
    position it is as of. Refused (409) before ``report_draft`` opens and once the
    report went to the JCM; a version drafted after a submission to the JCM voids it
    (the answer's ``note`` says so)."""
    command = DraftReport(year=year, narrative=body.narrative, request_id=once.key)

    async def draft() -> Drafted:
        made = await reports.draft_report(command, actor, context.cycles)
        return Drafted(
            recorded=list(made.recorded), version=made.version,
            document_sha256=made.document_sha256, as_of_position=made.as_of_position,
            note=made.note,
        )  # fmt: skip

    return await once(actor, body, draft, status_code=201)


@router.post("/report/draft-submission", response_model=Submitted, responses=BODY_PROBLEMS)
async def submit_report_draft(
    year: YearPath, actor: DraftSubmitter, context: Context, once: Idempotent,
    body: SubmissionBody | None = None,
) -> Submitted | Response:  # fmt: skip
    """ASEC submits its latest version of the report, settling ``report_draft`` (refused,
    409, while it has drafted none). A body naming the ``version`` ASEC read is refused
    (409, naming both) unless that is still the latest when the cycle records it; without
    one, the latest goes."""
    version = None if body is None else body.version
    command = SubmitReportDraft(year=year, version=version, request_id=once.key)
    return await once(
        actor, body,
        lambda: submitted(reports.submit_report_draft(command, actor, context.cycles)),
    )  # fmt: skip


async def submitted(outcome: Awaitable[Outcome]) -> Submitted:
    done = await outcome
    return Submitted(recorded=list(done.recorded), version=done.version,
                     document_sha256=done.document_sha256, note=done.note)  # fmt: skip


@router.post("/progress-review", response_model=Recorded, responses=WRITE_PROBLEMS)
async def submit_progress_review(
    year: YearPath, actor: Reviewer, context: Context, once: Idempotent
) -> Recorded | Response:
    """ASEC (IMD) settles ``progress_review``: refused (409, naming them) while an active
    project has neither an assessment nor a recorded reason why not."""
    command = SubmitProgressReview(year=year, request_id=once.key)
    return await once(
        actor, None,
        lambda: recorded(cycles.submit_progress_review(command, actor, context.cycles)),
    )  # fmt: skip


@router.post("/candidature-cities", response_model=Recorded, responses=BODY_PROBLEMS)
async def propose_city(
    year: YearPath, body: CandidatureCity, actor: Proposer, context: Context, once: Idempotent
) -> Recorded | Response:
    """An NR proposes a candidature city of its own member state."""
    command = ProposeCity(year=year, member_state=body.member_state, city=body.city,
                          capital=body.capital, request_id=once.key)  # fmt: skip
    return await once(
        actor, body, lambda: recorded(cycles.propose_city(command, actor, context.cycles))
    )


@router.post("/candidature-cities/decisions", response_model=Recorded, responses=BODY_PROBLEMS)
async def decide_city(
    year: YearPath, body: CityDecision, actor: CityDecider, context: Context, once: Idempotent
) -> Recorded | Response:
    """The Chair's team of the year accepts (a member city from this year, which can be
    nominated in this cycle) or declines (with a reason) a proposed city."""
    command = DecideCity(year=year, member_state=body.member_state, city=body.city,
                         decision=body.decision, reason=body.reason,
                         request_id=once.key)  # fmt: skip
    return await once(
        actor, body, lambda: recorded(cycles.decide_city(command, actor, context.cycles))
    )


@router.get("/decisions", response_model=ChainView, responses=problem_responses(401, 403, 404, 422))
def decisions(year: YearPath, _: Reader, context: Context) -> ChainView:
    """Each body's decision of the year (who recorded it, and the reference data's
    version the cycle used), and the submissions to the JCM and of the progress review."""
    known_cycle(context.status, year)
    return chain_view(context.store, year)


@membership_router.get("", response_model=MembershipView, responses=problem_responses(401, 403))
def membership(_: Reader, context: Context) -> MembershipView:
    """The candidature cities and their state, and the reference data's version."""
    return membership_view(context.store)
