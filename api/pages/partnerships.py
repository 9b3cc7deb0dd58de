"""External partners, twinning pairs and the projects launched at annual meetings; and
the Chair's team's forms to add a partner, pair a city with one, record a twinning
exception and record an annual meeting's outcome (``services.records``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api.pages.forms import Attempt, Locate, Values, attempt, leading_field, text, values_of
from api.pages.nav import add_page
from api.pages.records_views import launches, twinning_on
from api.pages.routes import Key, Who, forbidden
from api.pages.web import Viewer, check_csrf, context_of, page
from domain.access import Action, permits, refusal
from domain.actors import Actor
from domain.partners import AddPartner, PairCity, RecordMeetingOutcome, RecordTwinningException
from domain.plans import city_id
from eventstore.readmodels.records import partner_list
from services import records
from services.records import RecordOutcome, RecordsDeps

router = APIRouter(include_in_schema=False)

add_page("Partners and twinning", "/app/partners",
         lambda actor: permits(actor, Action.READ_RECORDS), order=75)  # fmt: skip


def _outcome(values: Values) -> RecordMeetingOutcome:
    partners = []
    if text(values, "new_partner_id").strip() or text(values, "new_partner_name").strip():
        partners.append({"partner_id": text(values, "new_partner_id").strip(),
                         "name": text(values, "new_partner_name"),
                         "kind": text(values, "new_partner_kind")})  # fmt: skip
    launched = [
        {
            "city_id": text(values, "city_id"),
            "project_id": text(values, "project_id"),
            "title": text(values, "title"),
            "partner_id": text(values, "partner_id"),
        }
    ]
    if not any(v.strip() for v in launched[0].values()):
        launched = []
    return RecordMeetingOutcome.model_validate(
        {"year": text(values, "year"), "partners": partners, "launches": launched}
    )


_NEW_PARTNER = {"partner_id": "new_partner_id", "name": "new_partner_name",
                "kind": "new_partner_kind"}  # fmt: skip


def _outcome_field(loc: tuple[int | str, ...]) -> tuple[str | None, str]:
    """The outcome's partner brought in and its launch are one of each on the form."""
    if len(loc) >= 3 and loc[0] == "partners":
        return _NEW_PARTNER.get(str(loc[2])), ""
    if len(loc) >= 3 and loc[0] == "launches":
        return str(loc[2]), ""
    return (str(loc[0]), "") if loc else (None, "")


Send = Callable[[Any, Actor, RecordsDeps, str], Awaitable[RecordOutcome]]


@dataclass(frozen=True)
class RecordForm:
    title: str
    fields: tuple[str, ...]
    read: Callable[[Values], BaseModel]
    send: Send
    locate: Locate | None = None
    also: dict[str, str] | None = None
    """Words that begin a refusal about a field (``unknown partner``: ``partner_id``)."""


def _model(kind: type[BaseModel], fields: tuple[str, ...]) -> Callable[[Values], BaseModel]:
    def read(values: Values) -> BaseModel:
        sent = {name: text(values, name).strip() or None for name in fields}
        return kind.model_validate({k: v for k, v in sent.items() if v is not None})

    return read


FORMS = {
    "add": RecordForm("Add an external partner", ("partner_id", "name", "kind", "year"),
                      _model(AddPartner, ("partner_id", "name", "kind", "year")),
                      records.add_partner, also={"partner": "kind"}),
    "twinning": RecordForm(
        "Pair a city with a partner", ("city_id", "partner_id", "starts", "ends", "exception_id"),
        _model(PairCity, ("city_id", "partner_id", "starts", "ends", "exception_id")),
        records.pair_city, also={"unknown partner": "partner_id", "no exception": "exception_id",
                                 "exception": "exception_id"},
    ),
    "twinning-exception": RecordForm(
        "Let a city pair with one more partner", ("year", "city_id", "exception_id", "reason"),
        _model(RecordTwinningException, ("year", "city_id", "exception_id", "reason")),
        records.record_twinning_exception, also={"exception": "exception_id"},
    ),
    "meeting-outcome": RecordForm(
        "Record an annual meeting's outcome",
        ("year", "city_id", "project_id", "title", "partner_id", "new_partner_id",
         "new_partner_name", "new_partner_kind"),
        _outcome, records.record_meeting_outcome, _outcome_field,
        {"partner id": "new_partner_id", "partner": "new_partner_kind", "launch of": "partner_id"},
    ),
}  # fmt: skip
FormName = Annotated[str, Path(pattern="^(" + "|".join(FORMS) + ")$")]


def _list_values(request: Request, who: Viewer) -> dict[str, Any]:
    context = context_of(request)
    partners, lag = partner_list(context.engine)
    pairs, _ = twinning_on(context.engine, context.clock().date())
    launched, _ = launches(context.engine)
    kinds = {k.id: k.name for k in context.records_deps.reference.partner_kinds}
    return {"partners": partners, "twinning": pairs, "launches": launched, "lag": lag,
            "kinds": kinds, "forms": FORMS, "today": context.clock().date(),
            "may_record": permits(who.actor, Action.RECORD_PARTNERSHIPS)}  # fmt: skip


@router.get("/app/partners", response_class=HTMLResponse)
def partners(request: Request, who: Who) -> HTMLResponse:
    if not permits(who.actor, Action.READ_RECORDS):
        return forbidden(request, who, refusal(who.actor, Action.READ_RECORDS) or "")
    return page(request, "partners.html", _list_values(request, who), who=who)


def _form_page(
    request: Request, who: Viewer, name: str, values: Values,
    done: Attempt[RecordOutcome] | None = None,
) -> HTMLResponse:  # fmt: skip
    context = context_of(request)
    reference = context.records_deps.reference
    partners, _ = partner_list(context.engine)
    shown = {
        "name": name, "form": FORMS[name], "form_values": values,
        "form_problems": done.problems if done else [],
        "kinds": [(k.id, k.name) for k in reference.partner_kinds],
        "cities": [(city_id(c), f"{c.name} ({c.member_state})") for c in reference.cities],
        "partner_options": [(p.partner_id, f"{p.name} ({p.partner_id})") for p in partners],
    }  # fmt: skip
    status = done.status if done else 200
    return page(request, "partnership_form.html", shown, status_code=status, who=who)


def _may_not(request: Request, who: Viewer) -> HTMLResponse | None:
    why = refusal(who.actor, Action.RECORD_PARTNERSHIPS)
    return None if why is None else forbidden(request, who, why)


@router.get("/app/partners/{name}", response_class=HTMLResponse)
def record_form(request: Request, name: FormName, who: Who) -> HTMLResponse:
    refused = _may_not(request, who)
    if refused is not None:
        return refused
    year = str(context_of(request).clock().year)
    return _form_page(request, who, name, {"year": year})


@router.post("/app/partners/{name}", response_class=HTMLResponse)
async def record(request: Request, name: FormName, who: Who, idempotency_key: Key) -> HTMLResponse:
    await check_csrf(request)
    refused = _may_not(request, who)
    if refused is not None:
        return refused
    form = FORMS[name]
    values = values_of(await request.form())
    deps = context_of(request).records_deps

    async def run() -> RecordOutcome:
        return await form.send(form.read(values), who.actor, deps, idempotency_key)

    done = await attempt(run, locate=form.locate, place=leading_field(form.fields, form.also))
    if done.outcome is None:
        return _form_page(request, who, name, values, done)
    shown = _list_values(request, who)
    shown["outcome"] = done.outcome
    return page(request, "partners.html", shown, who=who)
