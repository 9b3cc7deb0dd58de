"""IMD's assessments: a year's projects with where each stands (assessed, not assessed
with a reason, unassessed), ASEC's forms to assess a project or say why not
(``services.records``), and the progress review's button (``services.cycles``), which
the service refuses while a project is unassessed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.pages.forms import Attempt, Values, attempt, by_name, leading_field, lines, text
from api.pages.forms import values_of as form_values_of
from api.pages.nav import add_page
from api.pages.plans import STATUSES, CityPath
from api.pages.records_views import ProjectRow, project_rows
from api.pages.routes import Key, Who, forbidden, not_found
from api.pages.web import Viewer, check_csrf, context_of, page
from domain.access import Action, Scope, permits, refusal
from domain.chain import PROGRESS_REVIEW_STEP
from domain.events.records import FIRST_YEAR, LAST_YEAR
from domain.monitoring import AssessProject, ExplainNotAssessed
from eventstore.readmodels.chain import chain_view
from services import cycles, records
from services.commands import Outcome, SubmitProgressReview
from services.records import RecordOutcome

router = APIRouter(include_in_schema=False)
PlanYearPath = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)]
ProjectPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
ASSESS_FIELDS = ("status", "evidence", "links")
NOT_ASSESSED_FIELDS = ("reason",)

add_page("Assessments", "/app/assessments", lambda a: permits(a, Action.ASSESS_PROJECT), order=61)


def _list_values(request: Request, who: Viewer, year: int) -> dict[str, Any]:
    context = context_of(request)
    rows, lag = project_rows(context.engine, year)
    view = context.status.cycle_status(year)
    step = next((s for s in view.steps if s.step == PROGRESS_REVIEW_STEP), None) if view else None
    reviews = [s for s in chain_view(context.store, year).submissions
               if s.step == PROGRESS_REVIEW_STEP] if view else []  # fmt: skip
    scope = cycles.scope_of(context.cycles, year)
    counts = {kind: sum(1 for r in rows if r.standing == kind)
              for kind in ("assessed", "not_assessed", "unassessed", "inactive")}  # fmt: skip
    return {
        "year": year, "rows": rows, "lag": lag, "counts": counts, "cycle": view,
        "review_step": step, "reviews": reviews,
        "may_assess": permits(who.actor, Action.ASSESS_PROJECT, Scope(year=year)),
        "may_review": view is not None
        and permits(who.actor, Action.SUBMIT_PROGRESS_REVIEW, scope),
    }  # fmt: skip


@router.get("/app/assessments", response_class=HTMLResponse)
def assessments(
    request: Request, who: Who,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
) -> HTMLResponse:  # fmt: skip
    if not permits(who.actor, Action.READ_RECORDS):
        return forbidden(request, who, refusal(who.actor, Action.READ_RECORDS) or "")
    chosen = year or context_of(request).clock().year
    return page(request, "assessments.html", _list_values(request, who, chosen), who=who)


@router.post("/app/assessments/{year}/progress-review", response_class=HTMLResponse)
async def progress_review(
    request: Request, year: PlanYearPath, who: Who, idempotency_key: Key
) -> HTMLResponse:
    await check_csrf(request)
    command = SubmitProgressReview(year=year, request_id=idempotency_key)
    deps = context_of(request).cycles
    done: Attempt[Outcome] = await attempt(
        lambda: cycles.submit_progress_review(command, who.actor, deps)
    )
    values = _list_values(request, who, year)
    values.update(outcome=done.outcome, form_problems=done.problems)
    return page(request, "assessments.html", values, status_code=done.status, who=who)


def _project(request: Request, year: int, city: str, project: str) -> ProjectRow | None:
    rows, _ = project_rows(context_of(request).engine, year)
    return next(
        (r for r in rows if (r.progress.city_id, r.progress.project_id) == (city, project)), None
    )


def _project_page(
    request: Request, who: Viewer, row: ProjectRow, values: Values | None = None,
    done: Attempt[RecordOutcome] | None = None, form_name: str = "",
) -> HTMLResponse:  # fmt: skip
    found = row.progress.assessment
    start: Values = {"status": found.status if found else row.progress.plan_status,
                     "evidence": found.evidence if found else "",
                     "links": "\n".join(found.links) if found else ""}  # fmt: skip
    shown = {
        "row": row, "p": row.progress, "year": row.progress.year, "statuses": STATUSES,
        "form_values": {**start, **(values or {})},
        "form_problems": done.problems if done else [], "form_name": form_name,
        "outcome": done.outcome if done else None,
    }  # fmt: skip
    status = done.status if done else 200
    return page(request, "assessment.html", shown, status_code=status, who=who)


def _found(
    request: Request, who: Viewer, year: int, city: str, project: str
) -> ProjectRow | HTMLResponse:
    why = refusal(who.actor, Action.ASSESS_PROJECT, Scope(year=year))
    if why is not None:
        return forbidden(request, who, why)
    row = _project(request, year, city, project)
    if row is None:
        return not_found(request, who, f"{city}/{project} is not a project of a {year} plan")
    return row


async def _posted(
    request: Request, who: Viewer, year: int, city: str, project: str
) -> Values | HTMLResponse:
    """A form posted about a project: its values, once its CSRF token checks and the
    user may assess the project; else the page that says why not."""
    await check_csrf(request)
    row = _found(request, who, year, city, project)
    if isinstance(row, HTMLResponse):
        return row
    return form_values_of(await request.form())


@router.get("/app/assessments/{year}/{city_id}/{project_id}", response_class=HTMLResponse)
async def assessment(
    request: Request, year: PlanYearPath, city_id: CityPath, project_id: ProjectPath, who: Who
) -> HTMLResponse:
    row = _found(request, who, year, city_id, project_id)
    return row if isinstance(row, HTMLResponse) else _project_page(request, who, row)


@router.post("/app/assessments/{year}/{city_id}/{project_id}/assess", response_class=HTMLResponse)
async def assess(
    request: Request, year: PlanYearPath, city_id: CityPath, project_id: ProjectPath, who: Who,
    idempotency_key: Key,
) -> HTMLResponse:  # fmt: skip
    values = await _posted(request, who, year, city_id, project_id)
    if isinstance(values, HTMLResponse):
        return values
    links = lines(text(values, "links"))
    deps = context_of(request).records_deps

    async def run() -> RecordOutcome:
        command = AssessProject.model_validate({
            "year": year, "city_id": city_id, "project_id": project_id,
            "status": text(values, "status"), "evidence": text(values, "evidence"),
            "links": [link for _, link in links],
        })  # fmt: skip
        return await records.assess_project(command, who.actor, deps, idempotency_key)

    done = await attempt(run, locate=by_name({"links": [n for n, _ in links]}),
                         place=leading_field(ASSESS_FIELDS))  # fmt: skip
    return _answer(request, who, year, city_id, project_id, values, done, "assess")


@router.post(
    "/app/assessments/{year}/{city_id}/{project_id}/not-assessed", response_class=HTMLResponse
)
async def not_assessed(
    request: Request, year: PlanYearPath, city_id: CityPath, project_id: ProjectPath, who: Who,
    idempotency_key: Key,
) -> HTMLResponse:  # fmt: skip
    values = await _posted(request, who, year, city_id, project_id)
    if isinstance(values, HTMLResponse):
        return values
    deps = context_of(request).records_deps

    async def run() -> RecordOutcome:
        command = ExplainNotAssessed.model_validate({
            "year": year, "city_id": city_id, "project_id": project_id,
            "reason": text(values, "reason"),
        })  # fmt: skip
        return await records.explain_not_assessed(command, who.actor, deps, idempotency_key)

    done = await attempt(run, place=leading_field(NOT_ASSESSED_FIELDS))
    return _answer(request, who, year, city_id, project_id, values, done, "not_assessed")


def _answer(
    request: Request, who: Viewer, year: int, city: str, project: str, values: Values,
    done: Attempt[RecordOutcome], form_name: str,
) -> HTMLResponse:  # fmt: skip
    row = _found(request, who, year, city, project)
    if isinstance(row, HTMLResponse):
        return row
    # Once recorded, the form starts again from what is now on record.
    return _project_page(request, who, row, None if done.outcome else values, done, form_name)
