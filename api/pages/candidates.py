"""Candidature cities: an NR proposes a city of its own member state, the Chair's team
of the year accepts or declines it, each through an open cycle of a year it may act in
(``services.cycles``; the access policy says who may)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from api.pages import views
from api.pages.forms import Attempt, Loc, Values, attempt, leading_field, text, values_of
from api.pages.nav import add_page
from api.pages.routes import Key, Who, forbidden
from api.pages.web import Viewer, check_csrf, context_of, page
from domain.access import Action, permits, refusal
from eventstore.readmodels.chain import membership_view
from services import cycles
from services.commands import DecideCity, Outcome, ProposeCity

router = APIRouter(include_in_schema=False)
PATH = "/app/candidature-cities"
DECIDE_FIELDS = ("year", "decision", "reason")

add_page("Candidature cities", PATH, lambda a: permits(a, Action.READ_CYCLE), order=35)


def _years(
    request: Request, who: Viewer, action: Action, own: str | None = None
) -> list[tuple[str, str]]:
    """The open cycles' years in which the viewer may take ``action``, as choices."""
    context = context_of(request)
    open_years = [c.year for c in views.open_cycles(context.engine)]
    return [(str(year), str(year)) for year in open_years
            if permits(who.actor, action, cycles.scope_of(context.cycles, year, own))]  # fmt: skip


def _values(request: Request, who: Viewer) -> dict[str, Any]:
    own = who.actor.member_state
    return {
        "membership": membership_view(context_of(request).store),
        "propose_years": _years(request, who, Action.PROPOSE_CITY, own) if own else [],
        "decide_years": _years(request, who, Action.DECIDE_CITY),
        "own": own, "form_values": {}, "form_problems": [], "form_name": "",
    }  # fmt: skip


@router.get(PATH, response_class=HTMLResponse)
def candidates(request: Request, who: Who) -> HTMLResponse:
    why = refusal(who.actor, Action.READ_CYCLE)
    if why is not None:
        return forbidden(request, who, why)
    return page(request, "candidates.html", _values(request, who), who=who)


def _answer(
    request: Request, who: Viewer, sent: Values, done: Attempt[Outcome], form_name: str
) -> HTMLResponse:
    values = _values(request, who)
    values.update(outcome=done.outcome, form_problems=done.problems, form_name=form_name,
                  form_values={} if done.outcome else sent)  # fmt: skip
    return page(request, "candidates.html", values, status_code=done.status, who=who)


@router.post(PATH, response_class=HTMLResponse)
async def propose(request: Request, who: Who, idempotency_key: Key) -> HTMLResponse:
    await check_csrf(request)
    why = refusal(who.actor, Action.PROPOSE_CITY)
    if why is not None:
        return forbidden(request, who, why)
    sent = values_of(await request.form())
    deps = context_of(request).cycles

    async def run() -> Outcome:
        command = ProposeCity.model_validate({
            "year": text(sent, "year"), "member_state": who.actor.member_state,
            "city": text(sent, "city").strip(), "capital": text(sent, "capital") == "yes",
            "request_id": idempotency_key,
        })  # fmt: skip
        return await cycles.propose_city(command, who.actor, deps)

    done = await attempt(run, place=leading_field(("year", "city", "capital")))
    return _answer(request, who, sent, done, "propose")


@router.post(f"{PATH}/decisions", response_class=HTMLResponse)
async def decide(
    request: Request, who: Who, idempotency_key: Key,
    candidate: Annotated[int, Form(ge=0, le=100_000)],
) -> HTMLResponse:  # fmt: skip
    """One form per proposed city; its fields are named after its place in the list
    (``c3-reason``), which only grows, so that each form's problems stay with it."""
    await check_csrf(request)
    why = refusal(who.actor, Action.DECIDE_CITY)
    if why is not None:
        return forbidden(request, who, why)
    sent = values_of(await request.form())
    prefix = f"c{candidate}-"
    deps = context_of(request).cycles

    def locate(loc: Loc) -> tuple[str | None, str]:
        known = bool(loc) and loc[0] in DECIDE_FIELDS
        return (f"{prefix}{loc[0]}", "") if known else (None, "")

    async def run() -> Outcome:
        command = DecideCity.model_validate({
            "year": text(sent, f"{prefix}year"), "member_state": text(sent, "member_state"),
            "city": text(sent, "city"), "decision": text(sent, f"{prefix}decision"),
            "reason": text(sent, f"{prefix}reason"), "request_id": idempotency_key,
        })  # fmt: skip
        return await cycles.decide_city(command, who.actor, deps)

    also = {name: f"{prefix}{name}" for name in DECIDE_FIELDS}
    done = await attempt(run, locate=locate, place=leading_field((), also))
    return _answer(request, who, sent, done, f"decide-{candidate}")
