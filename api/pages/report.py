"""A cycle's annual report: its versions as the cycle's status keeps them (number,
SHA-256, the log's position it is as of, who drafted it and when, the one ASEC
submitted, the one that went to the JCM and who still has to submit the latest), each
version and the live report to read as HTML or download as PDF or JSON (through
``services.report_reading``, as the API serves them, for a signed-in session), and the
forms: ASEC drafts a new version with its narrative and submits the latest
(``services.reports``); the Chair of the ASCN and the shepherd each submit the latest
version to the JCM (``services.cycles.submit_report``). The cycle checks the rest.

A submission names the latest version, whichever it is when the cycle runs it; the
forms carry the version they showed and send it in the command, and the cycle refuses it
once another draft has overtaken it, in the same step that would record it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.pages.forms import Attempt, attempt, values_of
from api.pages.narrative_form import NarrativeForm, place, slots_of, values_of_narrative
from api.pages.nav import add_cycle_page
from api.pages.routes import Key, Who, Year, cycle_page, forbidden, not_found
from api.pages.web import Viewer, check_csrf, context_of, page
from api.routes.report import report_response
from domain.access import Action, permits, refusal
from domain.actors import Actor
from domain.chain import JOINT_SUBMISSION_STEP
from domain.events.chain import MAX_REPORT_VERSIONS
from domain.report import DigestMismatch, ReportNotFound
from domain.report_versions import REPORT_DRAFT_STEP
from eventstore.readmodels.chain import chain_view, latest_narrative
from reports.formats import Format, FormatUnavailable
from services import cycles, reports
from services.commands import Outcome, SubmitReport, SubmitReportDraft
from services.errors import Refused
from services.report_reading import ReadReport, ReportSource, read_report

router = APIRouter(include_in_schema=False)
FormatQuery = Annotated[Format, Query()]
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_REPORT_VERSIONS)]
Shown = Annotated[str, Form(max_length=64)]
"""What a submission form showed: the version's number, its SHA-256."""
PARTIES = {"nr": "the Chair of the ASCN", "shepherd": "the shepherd"}


def _reads(actor: Actor) -> bool:
    return permits(actor, Action.READ_CYCLE)


add_cycle_page("The annual report", "/report", _reads, order=10)


def party_name(label: str) -> str:
    """``nr:SG`` as people say it: the Chair of the ASCN (nr:SG)."""
    return f"{PARTIES.get(label.partition(':')[0], label)} ({label})"


def _party(actor: Actor) -> str | None:
    """The label under which ``actor`` would submit to the JCM (``nr:SG``)."""
    if actor.kind in PARTIES and actor.member_state:
        return f"{actor.kind}:{actor.member_state}"
    return None


def _values(request: Request, who: Viewer, year: int) -> dict[str, Any] | None:
    context = context_of(request)
    view = context.status.cycle_status(year)
    if view is None:
        return None
    scope = cycles.scope_of(context.cycles, year)
    chain = chain_view(context.store, year)
    steps = {step.step: step for step in view.steps}
    narrative, slots = values_of_narrative(latest_narrative(context.store, year))
    return {
        "view": view, "report": view.report, "chain": chain,
        "latest": chain.drafts[-1] if chain.drafts else None,
        "headings": {draft.version: draft.headings for draft in chain.drafts},
        "draft_step": steps.get(REPORT_DRAFT_STEP), "jcm": steps.get(JOINT_SUBMISSION_STEP),
        "may_draft": permits(who.actor, Action.DRAFT_REPORT, scope),
        "may_submit_draft": permits(who.actor, Action.SUBMIT_REPORT_DRAFT, scope),
        "may_submit": permits(who.actor, Action.SUBMIT_REPORT, scope),
        "me": _party(who.actor), "party_name": party_name,
        "form_values": narrative, "slots": slots, "form_name": "",
    }  # fmt: skip


@router.get("/app/cycles/{year}/report", response_class=HTMLResponse)
def report_page(request: Request, year: Year, who: Who) -> HTMLResponse:
    return cycle_page(request, who, year, "report.html", _values)


@router.get("/app/cycles/{year}/report/document")
def report_document(
    request: Request, year: Year, who: Who, format: FormatQuery = "html",
    version: VersionQuery = None,
) -> Response:  # fmt: skip
    """The live report, or draft ``version`` checked against its SHA-256, as the API's
    ``GET /v1/cycles/{year}/report[/{version}]`` answers it, to a signed-in session."""
    why = refusal(who.actor, Action.READ_CYCLE)
    if why is not None:
        return forbidden(request, who, why)
    context = context_of(request)
    command = ReadReport(year=year, version=version, format=format)
    source = ReportSource(store=context.store, reference=context.cycles.reference)
    try:
        document = read_report(source, command)
    except ReportNotFound as error:
        return not_found(request, who, str(error))
    except DigestMismatch as error:
        shown = {"title": "The draft was altered", "message": str(error)}
        return page(request, "message.html", shown, status_code=409, who=who)
    except FormatUnavailable as error:
        shown = {"title": "Not available", "message": str(error)}
        return page(request, "message.html", shown, status_code=501, who=who)
    return report_response(command, document)


def _answer(
    request: Request, who: Viewer, year: int, done: Attempt[Outcome], form_name: str,
    sent: tuple[dict[str, Any], int] | None = None,
) -> HTMLResponse:  # fmt: skip
    values = _values(request, who, year)
    if values is None:
        return not_found(request, who, f"no cycle is known for {year}")
    if sent is not None:  # the narrative drawn again as it was sent
        values["form_values"], values["slots"] = sent
    values.update(outcome=done.outcome, form_problems=done.problems, form_name=form_name)
    return page(request, "report.html", values, status_code=done.status, who=who)


@router.post("/app/cycles/{year}/report/drafts", response_class=HTMLResponse)
async def draft_report(
    request: Request, year: Year, who: Who, idempotency_key: Key
) -> HTMLResponse:
    await check_csrf(request)
    deps = context_of(request).cycles
    why = refusal(who.actor, Action.DRAFT_REPORT, cycles.scope_of(deps, year))
    if why is not None:
        return forbidden(request, who, why)
    form = await request.form()
    values = values_of(form)
    slots = slots_of(values)
    if form.get("more") == "yes":  # another fieldset; nothing is sent
        nothing: Attempt[Outcome] = Attempt(None, [], 200)
        return _answer(request, who, year, nothing, "draft", (dict(values), slots + 1))
    filled = NarrativeForm(year, values, slots)

    async def run() -> Outcome:
        return await reports.draft_report(filled.command(idempotency_key), who.actor, deps)

    done = await attempt(run, locate=filled.locate, place=place)
    sent = None if done.outcome is not None else (dict(values), slots)
    return _answer(request, who, year, done, "draft", sent)


def _version_read(shown: str, then: str) -> int:
    """The version a submission form showed its reader: the one the cycle will check is
    still the latest. A form naming none is refused here, and nothing is sent."""
    if not shown.isdecimal():
        raise Refused(f"version: the form named no version of the report; {then}")
    return int(shown)


@router.post("/app/cycles/{year}/report/draft-submission", response_class=HTMLResponse)
async def submit_draft(
    request: Request, year: Year, who: Who, idempotency_key: Key, version: Shown = ""
) -> HTMLResponse:
    await check_csrf(request)
    context = context_of(request)
    why = refusal(who.actor, Action.SUBMIT_REPORT_DRAFT, cycles.scope_of(context.cycles, year))
    if why is not None:
        return forbidden(request, who, why)

    async def run() -> Outcome:  # the cycle refuses the version shown once overtaken
        read = _version_read(version, "draft one, or reload the page to see the latest, then "
                             "submit it")  # fmt: skip
        command = SubmitReportDraft(year=year, version=read, request_id=idempotency_key)
        return await reports.submit_report_draft(command, who.actor, context.cycles)

    return _answer(request, who, year, await attempt(run), "draft_submission")


@router.post("/app/cycles/{year}/report/jcm-submission", response_class=HTMLResponse)
async def submit_to_jcm(
    request: Request, year: Year, who: Who, idempotency_key: Key, version: Shown = ""
) -> HTMLResponse:
    await check_csrf(request)
    context = context_of(request)
    why = refusal(who.actor, Action.SUBMIT_REPORT, cycles.scope_of(context.cycles, year))
    if why is not None:
        return forbidden(request, who, why)

    async def run() -> Outcome:  # the cycle refuses the version shown once overtaken
        read = _version_read(version, "reload the page")
        command = SubmitReport(year=year, version=read, request_id=idempotency_key)
        return await cycles.submit_report(command, who.actor, context.cycles)

    return _answer(request, who, year, await attempt(run), "jcm_submission")
