"""Action plans: every city's current plan, a plan with its projects and versions, and
the form with which the city's CSCO or the NR of its member state submits or revises
it (``services.records.submit_plan``; the access policy says who may)."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.pages.forms import Attempt, attempt, values_of
from api.pages.nav import add_page
from api.pages.plan_form import MULTI, PLAN_FORM_FIELDS, PlanForm, slots_of, values_of_plan
from api.pages.records_views import plan_rows
from api.pages.routes import Key, Who, forbidden, not_found
from api.pages.web import Viewer, check_csrf, context_of, page
from domain.access import Action, Scope, permits, refusal
from domain.actors import Actor
from domain.errors import UnknownCity
from domain.events.records import ProjectStatus
from domain.plans import MAX_PROJECTS, city_by_id, city_id
from domain.reference import City
from eventstore.readmodels.records import plan_versions_of
from services import records
from services.records import RecordOutcome

router = APIRouter(include_in_schema=False)
CityPath = Annotated[str, Path(pattern=r"^[A-Z]{2}-[a-z0-9]+(-[a-z0-9]+){0,15}$", max_length=120)]
STATUSES = [(status, status) for status in get_args(ProjectStatus)]


def _reads(actor: Actor) -> bool:
    return permits(actor, Action.READ_RECORDS)


add_page("Action plans", "/app/plans", _reads, order=70)


def _areas(request: Request) -> list[tuple[str, str]]:
    return [(a.id, a.name) for a in context_of(request).records_deps.reference.focus_areas]


def _city(request: Request, ident: str) -> City | None:
    try:
        return city_by_id(context_of(request).records_deps.reference, ident)
    except UnknownCity:
        return None


@router.get("/app/plans", response_class=HTMLResponse)
def plans(
    request: Request, who: Who, focus_area: Annotated[str, Query(max_length=64)] = ""
) -> HTMLResponse:
    areas = _areas(request)
    chosen = focus_area if focus_area in {a for a, _ in areas} else ""
    rows, lag = plan_rows(context_of(request).engine, chosen or None)
    reference = context_of(request).records_deps.reference
    mine = [
        city for city in reference.cities
        if permits(who.actor, Action.SUBMIT_PLAN, Scope(city=city_id(city)))
    ]  # fmt: skip
    values = {"rows": rows, "lag": lag, "areas": areas, "focus_area": chosen,
              "mine": [(city_id(c), c) for c in mine]}  # fmt: skip
    return page(request, "plans.html", values, who=who)


def _plan_values(request: Request, who: Viewer, city: City) -> dict[str, Any]:
    ident = city_id(city)
    versions, lag = plan_versions_of(context_of(request).engine, ident)
    return {
        "city": city, "city_id": ident, "versions": versions, "lag": lag,
        "latest": versions[-1] if versions else None, "areas": dict(_areas(request)),
        "may_submit": permits(who.actor, Action.SUBMIT_PLAN, Scope(city=ident)),
    }  # fmt: skip


@router.get("/app/plans/{city_id}", response_class=HTMLResponse)
def plan(request: Request, city_id: CityPath, who: Who) -> HTMLResponse:
    city = _city(request, city_id)
    if city is None:
        return not_found(request, who, f"no member city has the id {city_id}")
    return page(request, "plan.html", _plan_values(request, who, city), who=who)


def _form(
    request: Request, who: Viewer, city: City, values: dict[str, Any], slots: int,
    done: Attempt[RecordOutcome] | None = None,
) -> HTMLResponse:  # fmt: skip
    shown = {
        "city": city, "city_id": city_id(city), "form_values": values,
        "slots": min(slots, MAX_PROJECTS), "statuses": STATUSES, "areas": _areas(request),
        "form_problems": done.problems if done else [],
    }  # fmt: skip
    return page(request, "plan_form.html", shown, status_code=done.status if done else 200,
                who=who)  # fmt: skip


def _may_not(request: Request, who: Viewer, ident: str) -> HTMLResponse | None:
    why = refusal(who.actor, Action.SUBMIT_PLAN, Scope(city=ident))
    return None if why is None else forbidden(request, who, why)


@router.get("/app/plans/{city_id}/edit", response_class=HTMLResponse)
def plan_form(request: Request, city_id: CityPath, who: Who) -> HTMLResponse:
    city = _city(request, city_id)
    if city is None:
        return not_found(request, who, f"no member city has the id {city_id}")
    refused = _may_not(request, who, city_id)
    if refused is not None:
        return refused
    versions, _ = plan_versions_of(context_of(request).engine, city_id)
    values, slots = values_of_plan(versions[-1] if versions else None)
    return _form(request, who, city, dict(values), slots)


@router.post(
    "/app/plans/{city_id}/edit", response_class=HTMLResponse,
    form_limits={"max_fields": PLAN_FORM_FIELDS},
)  # fmt: skip
async def plan_submit(
    request: Request, city_id: CityPath, who: Who, idempotency_key: Key
) -> HTMLResponse:
    await check_csrf(request)
    city = _city(request, city_id)
    if city is None:
        return not_found(request, who, f"no member city has the id {city_id}")
    refused = _may_not(request, who, city_id)
    if refused is not None:
        return refused
    form = await request.form()
    values = values_of(form, multi=MULTI)
    slots = slots_of(values)
    if form.get("more") == "yes":  # another fieldset; nothing is sent
        return _form(request, who, city, dict(values), slots + 1)
    filled = PlanForm(city_id, values, slots)
    deps = context_of(request).records_deps

    async def run() -> RecordOutcome:
        return await records.submit_plan(filled.plan(), who.actor, deps, idempotency_key)

    done = await attempt(run, locate=filled.locate, place=filled.place)
    if done.outcome is None:
        return _form(request, who, city, dict(values), slots, done)
    shown = _plan_values(request, who, city)
    shown["outcome"] = done.outcome
    return page(request, "plan.html", shown, who=who)
