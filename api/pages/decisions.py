"""A cycle's chain: what each body decided, who has submitted the report to the JCM,
and the form with which the Chair's team of the year, or ASEC, records a body's
decision (``services.cycles.record_decision``; the cycle checks the rest)."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.pages.forms import Values, attempt, leading_field, text, values_of
from api.pages.nav import add_cycle_page
from api.pages.routes import Key, Who, Year, cycle_page, forbidden, not_found
from api.pages.web import Viewer, check_csrf, context_of, page
from domain.access import Action, permits, refusal
from domain.chain import CHAIN_BODIES, JOINT_SUBMISSION_STEP, REOPENING
from domain.events import BodyDecision
from eventstore.readmodels.chain import chain_view
from services import cycles
from services.commands import Outcome, RecordDecision

router = APIRouter(include_in_schema=False)
FIELDS = ("step", "body", "decision", "decided_on", "meeting", "concerning", "document_sha256",
          "new_deadline")  # fmt: skip
DECISIONS = [(d, d.replace("_", " ")) for d in get_args(BodyDecision)]

add_cycle_page("Decisions up the chain", "/decisions",
               lambda actor: permits(actor, Action.READ_CYCLE), order=20)  # fmt: skip


def _values(request: Request, who: Viewer, year: int) -> dict[str, Any] | None:
    context = context_of(request)
    view = context.status.cycle_status(year)
    if view is None:
        return None
    reference = context.cycles.reference
    kept = view.report
    submitted = None if kept is None or kept.submitted_to_jcm is None else next(
        (v for v in kept.versions if v.version == kept.submitted_to_jcm), None
    )  # fmt: skip
    starting = {"decided_on": context.clock().date().isoformat()}
    if submitted is not None:  # what the cycle names by default from the JCM submission on
        starting["document_sha256"] = submitted.document_sha256
    return {
        "view": view, "chain": chain_view(context.store, year),
        "jcm": next((s for s in view.steps if s.step == JOINT_SUBMISSION_STEP), None),
        "steps": [(s.step, f"{s.title or s.step} ({s.state})") for s in view.steps],
        "bodies": [(b, b) for b in (*CHAIN_BODIES, *reference.sectoral_bodies_for(year))],
        "decisions": DECISIONS, "reopening": sorted(REOPENING),
        "may_record": permits(who.actor, Action.RECORD_DECISION, cycles.scope_of(context.cycles,
                                                                                year)),
        "submitted_version": submitted, "form_values": starting,
    }  # fmt: skip


@router.get("/app/cycles/{year}/decisions", response_class=HTMLResponse)
def decisions(request: Request, year: Year, who: Who) -> HTMLResponse:
    return cycle_page(request, who, year, "decisions.html", _values)


def _command(year: int, values: Values, key: str) -> RecordDecision:
    sent = {name: text(values, name).strip() for name in FIELDS}
    return RecordDecision.model_validate(
        {"year": year, "request_id": key, **{k: v for k, v in sent.items() if v}}
    )


@router.post("/app/cycles/{year}/decisions", response_class=HTMLResponse)
async def record_decision(
    request: Request, year: Year, who: Who, idempotency_key: Key
) -> HTMLResponse:
    await check_csrf(request)
    deps = context_of(request).cycles
    why = refusal(who.actor, Action.RECORD_DECISION, cycles.scope_of(deps, year))
    if why is not None:
        return forbidden(request, who, why)
    sent = values_of(await request.form())

    async def run() -> Outcome:
        return await cycles.record_decision(_command(year, sent, idempotency_key), who.actor, deps)

    done = await attempt(run, place=leading_field(FIELDS, {"the new deadline": "new_deadline"}))
    values = _values(request, who, year)
    if values is None:
        return not_found(request, who, f"no cycle is known for {year}")
    if done.outcome is None:
        values["form_values"] = sent
    values.update(outcome=done.outcome, form_problems=done.problems)
    return page(request, "decisions.html", values, status_code=done.status, who=who)
