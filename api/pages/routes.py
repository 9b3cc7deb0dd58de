"""The pages: sign-in, the NR's forms, the Chair's team's inbox, the shepherd's board,
ASEC's list. Each form posts back here with a CSRF token and an Idempotency-Key (one per
intended action, made when the form is drawn, so a resubmitted form has one effect),
and calls the same services as the API. A refusal is shown next to its form.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.models import ExceptionGrant, Extension, Waiver
from api.pages import views
from api.pages.gantt import gantt
from api.pages.nav import cycle_pages_for, is_asec, is_chair_team, is_nr, reads_everything
from api.pages.web import (
    SESSION_COOKIE,
    Viewer,
    check_csrf,
    context_of,
    current_viewer,
    page,
    viewer,
    web_config,
)
from domain.access import Action, permits, refusal
from domain.commands import NominatedCity
from domain.errors import DomainError
from domain.events import Person
from domain.values import line_of
from eventstore.codec import to_domain
from eventstore.readmodels.cycles import CycleView, list_cycles
from eventstore.verify import verify_store
from mail.signin import signin_message
from mail.transport import DeliveryError
from services import cycles, signin
from services.commands import (
    AllowException,
    ApproveStep,
    ExtendDeadline,
    FileNilReturn,
    Nominate,
    Outcome,
    WaiveStep,
)
from services.errors import CycleUnavailable, Refused
from services.feeds import issue_feed

router = APIRouter(include_in_schema=False)
log = logging.getLogger("ascn.api")
MAX_SIGNIN_NAME = 150
"""The longest name a user on record may have (``domain.users.KnownName``)."""
Who = Annotated[Viewer, Depends(viewer)]
Year = Annotated[int, Path(ge=1967, le=9999)]
Step = Annotated[str, Path(min_length=1, max_length=200)]
Text = Annotated[str, Form()]
"""A form's text: its length is checked by the command's model (``api.models``), whose
refusal the form shows beside itself, not by the route (a bare 422)."""
Key = Annotated[str, Form(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]


def forbidden(request: Request, who: Viewer, why: str) -> HTMLResponse:
    return page(
        request, "message.html", {"title": "Not for you", "message": why}, status_code=403, who=who
    )


def not_found(request: Request, who: Viewer, what: str) -> HTMLResponse:
    return page(
        request, "message.html", {"title": "Not found", "message": what}, status_code=404, who=who
    )


def cycle_page(
    request: Request,
    who: Viewer,
    year: int,
    template: str,
    values: Callable[[Request, Viewer, int], dict[str, Any] | None],
) -> HTMLResponse:
    """A page about the cycle of ``year`` (its report, its decisions): refused to whoever
    does not read cycles, not found where ``values`` finds no cycle for the year."""
    why = refusal(who.actor, Action.READ_CYCLE)
    if why is not None:
        return forbidden(request, who, why)
    shown = values(request, who, year)
    if shown is None:
        return not_found(request, who, f"no cycle is known for {year}")
    return page(request, template, shown, who=who)


async def act(run: Callable[[], Awaitable[Outcome]]) -> tuple[Outcome | None, str | None, int]:
    """Run a command: its outcome, or the message to show next to the form and a status."""
    try:
        return await run(), None, 200
    except ValidationError as error:
        return None, line_of(error), 422
    except Refused as error:
        return None, str(error), 409
    except DomainError as error:
        return None, str(error), 409 if "may not" not in str(error) else 403
    except CycleUnavailable as error:
        return None, f"{error}; nothing was done, try again in a moment", 503


# --- sign-in ------------------------------------------------------------------------


@router.get("/healthz")
def health(request: Request) -> dict[str, object]:
    """For load balancers and docker-compose: the app answers and its database does."""
    return {"ok": True, "store_head": context_of(request).store.last_position()}


@router.get("/", response_class=RedirectResponse)
def root() -> RedirectResponse:
    return RedirectResponse("/app", status_code=303)


@router.get("/app/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/app") -> HTMLResponse:
    return page(request, "signin.html", {"next": _local(next)})


@router.post("/app/signin", response_class=HTMLResponse)
async def signin_request(
    request: Request, name: Annotated[str, Form()], next: Annotated[str, Form()] = "/app"
) -> HTMLResponse:
    await check_csrf(request)
    context, config = context_of(request), web_config(request)
    if config.transport is None:
        return page(
            request,
            "signin.html",
            {"next": _local(next), "error": "sign-in by mail is not set up on this server"},
            status_code=503,
        )
    if len(name) > MAX_SIGNIN_NAME:
        # No user has such a name (names are at most 150 characters): saying so tells
        # nobody whether a user exists.
        error = f"user name: at most {MAX_SIGNIN_NAME} characters; this one has {len(name)}"
        values = {"next": _local(next), "error": error, "name": name[:MAX_SIGNIN_NAME]}
        return page(request, "signin.html", values, status_code=422)
    link = await run_in_threadpool(signin.request_link, context.users, name.strip())
    if link is not None:
        contact = config.contacts.get(link.role)
        if contact is None:
            # The requester gets the same page as for an unknown user (below); the
            # operator learns that the contacts file lacks the role.
            log.warning(
                "no sign-in mail for user %s: the contacts name no address for role %s",
                link.user,
                link.role,
            )
        else:
            url = f"{config.base_url.rstrip('/')}/app/signin/link?token={link.token}"
            if _local(next) != "/app":
                url += f"&next={quote(_local(next), safe='/')}"
            message = signin_message(
                sender=config.mail_from,
                to=contact.email,
                name=contact.name,
                link=url,
                expires_at=link.expires_at,
            )
            try:
                await config.transport.send(message, [contact.email])
            except DeliveryError as error:
                return page(
                    request,
                    "signin.html",
                    {
                        "next": _local(next),
                        "error": f"the sign-in mail could not be sent: {error.reason}",
                    },
                    status_code=503,
                )
    # The same answer whether or not the user exists.
    return page(request, "signin_sent.html", {"name": name})


@router.get("/app/signin/link", response_class=HTMLResponse)
def signin_link(request: Request, token: str = "", next: str = "/app") -> HTMLResponse:
    """A page with one button: opening the link signs nobody in (mail scanners open
    links), pressing the button does."""
    return page(request, "signin_link.html", {"token": token[:200], "next": _local(next)})


@router.post("/app/signin/link", response_class=HTMLResponse)
async def signin_redeem(
    request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/app"
) -> Response:
    await check_csrf(request)
    context, config = context_of(request), web_config(request)
    context.bad_tokens.refuse_if_over(request)
    try:
        session = await run_in_threadpool(
            signin.redeem_link, context.users, token, config.session_ttl
        )
    except signin.SignInRefused as error:
        context.bad_tokens.count_failure(request)
        return page(request, "signin.html", {"next": "/app", "error": str(error)}, status_code=400)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=int(config.session_ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=config.secure_cookies,
        path="/",
    )
    return response


@router.post("/app/signout", response_class=HTMLResponse)
async def signout(request: Request) -> Response:
    await check_csrf(request)
    found = current_viewer(request)
    if found is not None:
        await run_in_threadpool(signin.sign_out, context_of(request).users, found.token)
    response = RedirectResponse("/app/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _local(target: str) -> str:
    """Only paths of this site: never an open redirect."""
    if target.startswith("/app") and not target.startswith("//") and "\\" not in target:
        return target.split("#")[0][:300]
    return "/app"


# --- home ---------------------------------------------------------------------------


@router.get("/app", response_class=HTMLResponse)
def home(request: Request, who: Who) -> HTMLResponse:
    return page(request, "home.html", {}, who=who)


# --- an NR --------------------------------------------------------------------------


def _views(request: Request, years: list[int]) -> list[CycleView]:
    context = context_of(request)
    found = [context.status.cycle_status(year) for year in years]
    return [view for view in found if view is not None]


@router.get("/app/nr", response_class=HTMLResponse)
def nr_home(request: Request, who: Who) -> HTMLResponse:
    if not is_nr(who.actor):
        return forbidden(request, who, "this page is for National Representatives")
    context = context_of(request)
    code = who.actor.member_state or ""
    open_views = _views(request, [c.year for c in views.open_cycles(context.engine)])
    owed = views.steps_owed_by(open_views, f"nr:{code}")
    returns = {v.year: views.returns_by_state(context.engine, v.year).get(code) for v in open_views}
    zones = {view.year: view.zone for view in open_views}
    return page(
        request,
        "nr.html",
        {"code": code, "owed": owed, "returns": returns, "cycles": open_views, "zones": zones},
        who=who,
    )


def _nominations_values(request: Request, who: Viewer, year: int) -> dict[str, Any]:
    context = context_of(request)
    code = who.actor.member_state or ""
    cities = context.cycles.reference.cities_of(code, year)
    current = views.returns_by_state(context.engine, year).get(code)
    chosen = {row.city: row for row in (current.cities if current else ())}
    view = context.status.cycle_status(year)
    step = next((s for s in view.steps if s.step == "nomination_deadline"), None) if view else None
    return {
        "year": year,
        "code": code,
        "cities": cities,
        "chosen": chosen,
        "current": current,
        "step": step,
        "zone": view.zone if view else None,
    }


@router.get("/app/cycles/{year}/nominations", response_class=HTMLResponse)
def nominations_form(request: Request, year: Year, who: Who) -> HTMLResponse:
    if not is_nr(who.actor):
        return forbidden(request, who, "only a National Representative submits nominations")
    if context_of(request).status.cycle_status(year) is None:
        return not_found(request, who, f"no cycle is known for {year}")
    return page(request, "nominations.html", _nominations_values(request, who, year), who=who)


@router.post("/app/cycles/{year}/nominations", response_class=HTMLResponse)
async def nominations_submit(request: Request, year: Year, who: Who) -> Response:
    await check_csrf(request)
    form = await request.form()
    code = who.actor.member_state or ""
    chosen = [str(v) for v in form.getlist("city")][:50]
    key = str(form.get("idempotency_key") or "")[:200] or None

    async def run() -> Outcome:
        cities = tuple(
            NominatedCity(
                city=name,
                csco=Person(
                    name=str(form.get(f"csco_name[{name}]") or ""),
                    email=str(form.get(f"csco_email[{name}]") or ""),
                ),
            )
            for name in chosen
        )
        command = Nominate(
            year=year,
            member_state=code,
            request_id=key,
            cities=cities,
            national_representative=Person(
                name=str(form.get("nr_name") or ""), email=str(form.get("nr_email") or "")
            ),
        )
        return await cycles.nominate(command, who.actor, context_of(request).cycles)

    outcome, error, status = await act(run)
    values = _nominations_values(request, who, year)
    values.update(submitted=form, outcome=outcome, error=error, form_name="nominations")
    return page(request, "nominations.html", values, status_code=status, who=who)


@router.post("/app/cycles/{year}/nil-return", response_class=HTMLResponse)
async def nil_return(request: Request, year: Year, who: Who, idempotency_key: Key) -> Response:
    await check_csrf(request)
    code = who.actor.member_state or ""
    command = FileNilReturn(year=year, member_state=code, request_id=idempotency_key)
    outcome, error, status = await act(
        lambda: cycles.file_nil_return(command, who.actor, context_of(request).cycles)
    )
    values = _nominations_values(request, who, year)
    values.update(outcome=outcome, error=error, form_name="nil_return")
    return page(request, "nominations.html", values, status_code=status, who=who)


@router.post("/app/feeds", response_class=HTMLResponse)
async def new_feed(request: Request, who: Who) -> HTMLResponse:
    await check_csrf(request)
    feed = await run_in_threadpool(issue_feed, context_of(request).users, who.actor)
    base = web_config(request).base_url.rstrip("/")
    open_years = [c.year for c in views.open_cycles(context_of(request).engine)]
    code = who.actor.member_state
    urls = [
        f"{base}/v1/feeds/{feed.token}/cycles/{year}/{code}.ics"
        if is_nr(who.actor) and code
        else f"{base}/v1/feeds/{feed.token}/cycles/{year}.ics"
        for year in open_years
    ]
    return page(request, "feed.html", {"feed": feed, "urls": urls}, who=who)


# --- the Chair's team ---------------------------------------------------------------


def _inbox_values(request: Request, who: Viewer) -> dict[str, Any]:
    context = context_of(request)
    chair = who.actor.member_state
    mine = [c.year for c in list_cycles(context.engine) if c.chair == chair and c.state == "open"]
    inbox = []
    for view in _views(request, mine):
        returns = views.returns_by_state(context.engine, view.year)
        codes = views.member_states(context.cycles.reference, view.year)
        for step in view.steps:
            if step.state == "open":
                inbox.append((view, step, returns, codes))
    return {"inbox": inbox, "today": context.clock().date()}


@router.get("/app/inbox", response_class=HTMLResponse)
def inbox(request: Request, who: Who) -> HTMLResponse:
    if not is_chair_team(who.actor):
        return forbidden(request, who, "the inbox is the Chair's team's")
    return page(request, "inbox.html", _inbox_values(request, who), who=who)


async def _decide(
    request: Request, who: Viewer, target: str, run: Callable[[], Awaitable[Outcome]]
) -> HTMLResponse:
    outcome, error, status = await act(run)
    values = _inbox_values(request, who)
    shown = {
        f"{view.year}-{step.step}-{kind}"
        for view, step, _, _ in values["inbox"]
        for kind in ("approve", "extend", "waive")
    }
    shown |= {
        f"{view.year}-exception"
        for view, step, _, _ in values["inbox"]
        if step.step == "nomination_deadline"
    }
    # A refusal shows next to its form; a success (the step may have left the inbox)
    # and a refusal whose form is gone show at the top.
    values.update(outcome=outcome, error=error, target=target, placed=target in shown)
    return page(request, "inbox.html", values, status_code=status, who=who)


def _confirmed(confirm: str | None, what: str) -> None:
    if confirm != "yes":
        raise Refused(f"tick the box to confirm that you {what}; nothing was done")


@router.post("/app/cycles/{year}/steps/{step}/approve", response_class=HTMLResponse)
async def approve(
    request: Request,
    year: Year,
    step: Step,
    who: Who,
    idempotency_key: Key,
    confirm: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    await check_csrf(request)

    async def run() -> Outcome:
        _confirmed(confirm, f"approve {step}")
        command = ApproveStep(year=year, step=step, request_id=idempotency_key)
        return await cycles.approve_step(command, who.actor, context_of(request).cycles)

    return await _decide(request, who, f"{year}-{step}-approve", run)


@router.post("/app/cycles/{year}/steps/{step}/waive", response_class=HTMLResponse)
async def waive(
    request: Request,
    year: Year,
    step: Step,
    who: Who,
    idempotency_key: Key,
    reason: Text = "",
    confirm: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    await check_csrf(request)

    async def run() -> Outcome:
        _confirmed(confirm, f"waive {step}")
        reason_ = Waiver.model_validate({"reason": reason}).reason
        command = WaiveStep(year=year, step=step, reason=reason_, request_id=idempotency_key)
        return await cycles.waive_step(command, who.actor, context_of(request).cycles)

    return await _decide(request, who, f"{year}-{step}-waive", run)


@router.post("/app/cycles/{year}/steps/{step}/extend", response_class=HTMLResponse)
async def extend(
    request: Request,
    year: Year,
    step: Step,
    who: Who,
    idempotency_key: Key,
    new_deadline: Annotated[str, Form()] = "",
    reason: Text = "",
    move_later_steps: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    await check_csrf(request)

    async def run() -> Outcome:
        try:
            day = date.fromisoformat(new_deadline)
        except ValueError:
            shown = new_deadline[:40]
            raise Refused(f"new deadline: {shown!r} is not a date (YYYY-MM-DD)") from None
        if not reason.strip():
            raise Refused("reason: say why the deadline moves; it is required")
        checked = Extension.model_validate({"new_deadline": day, "reason": reason})
        command = ExtendDeadline(
            year=year,
            step=step,
            new_deadline=day,
            reason=checked.reason,
            move_later_steps=move_later_steps == "yes",
            request_id=idempotency_key,
        )
        return await cycles.extend_deadline(command, who.actor, context_of(request).cycles)

    return await _decide(request, who, f"{year}-{step}-extend", run)


@router.post("/app/cycles/{year}/exceptions", response_class=HTMLResponse)
async def exception(
    request: Request,
    year: Year,
    who: Who,
    idempotency_key: Key,
    member_state: Text = "",
    exception_id: Text = "",
    rule: Text = "max_cities",
    max_cities: Text = "",
    reason: Text = "",
) -> HTMLResponse:
    await check_csrf(request)

    async def run() -> Outcome:
        limit = max_cities.strip() or None
        if limit is not None and not limit.isdigit():
            raise Refused(f"max cities: {limit[:20]!r} is not a whole number")
        # The API's body checks each field (lengths, the limit's range) as for a request.
        grant = ExceptionGrant.model_validate(
            {
                "member_state": member_state,
                "exception_id": exception_id,
                "rule": rule,
                "max_cities": limit,
                "reason": reason,
            }
        )
        command = AllowException.model_validate(
            {**grant.model_dump(), "year": year, "request_id": idempotency_key}
        )
        return await cycles.allow_exception(command, who.actor, context_of(request).cycles)

    return await _decide(request, who, f"{year}-exception", run)


# --- the shepherd (and everyone who reads cycles) -------------------------------------


@router.get("/app/cycles", response_class=HTMLResponse)
def all_cycles(request: Request, who: Who) -> HTMLResponse:
    why = refusal(who.actor, Action.READ_CYCLE)
    if why is not None:
        return forbidden(request, who, why)
    return page(
        request, "cycles.html", {"cycles": list_cycles(context_of(request).engine)}, who=who
    )


def _cycle_values(request: Request, who: Viewer, year: int) -> dict[str, Any] | None:
    context = context_of(request)
    view = context.status.cycle_status(year)
    if view is None:
        return None
    now = context.clock()
    return {
        "view": view,
        "chart": gantt(views.step_dates(context.store, view), now),
        "board": views.board(view, context.cycles.reference, context.engine, now),
        "shows_audit": reads_everything(who.actor),
        "cycle_pages": cycle_pages_for(who.actor),
    }


@router.get("/app/cycles/{year}", response_class=HTMLResponse)
def one_cycle(request: Request, year: Year, who: Who) -> HTMLResponse:
    return cycle_page(request, who, year, "cycle.html", _cycle_values)


@router.get("/app/cycles/{year}/audit", response_class=HTMLResponse)
def audit(
    request: Request,
    year: Year,
    who: Who,
    step: Annotated[str, Query(max_length=200)] = "",
    member_state: Annotated[str, Query(max_length=2)] = "",
    actor: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    if not reads_everything(who.actor):
        return forbidden(request, who, "the audit trail is for the shepherd, ASEC and admins")
    context = context_of(request)
    view = context.status.cycle_status(year)
    if view is None:
        return not_found(request, who, f"no cycle is known for {year}")
    rows = views.audit_rows(
        context.store,
        view,
        context.cycles.reference,
        step=step or None,
        member_state=member_state or None,
        actor=actor or None,
    )
    codes = views.member_states(context.cycles.reference, year)
    return page(
        request,
        "audit.html",
        {
            "view": view,
            "rows": rows,
            "codes": codes,
            "step": step,
            "member_state": member_state,
            "actor_filter": actor,
        },
        who=who,
    )


@router.get("/app/events/{event_id}", response_class=HTMLResponse)
def one_event(request: Request, event_id: UUID, who: Who) -> HTMLResponse:
    if not permits(who.actor, Action.READ_EVENTS):
        return forbidden(request, who, "events are for the shepherd, ASEC and admins")
    event = context_of(request).store.read_event(event_id)
    if event is None:
        return not_found(request, who, f"no event {event_id}")
    from zoneinfo import ZoneInfo

    from domain.narrative import narrate

    story = narrate(to_domain(event), ZoneInfo("UTC"))
    return page(request, "event.html", {"event": event, "story": story}, who=who)


@router.get("/app/mail", response_class=HTMLResponse)
def mail_failed(request: Request, who: Who) -> HTMLResponse:
    if not reads_everything(who.actor):
        return forbidden(request, who, "failed mail is for the shepherd, ASEC and admins")
    return page(
        request, "mail.html", {"rows": views.failed_mail(context_of(request).engine)}, who=who
    )


@router.get("/app/verify", response_class=HTMLResponse)
def verify(request: Request, who: Who) -> HTMLResponse:
    if not reads_everything(who.actor):
        return forbidden(request, who, "the store check is for the shepherd, ASEC and admins")
    started = datetime.now().astimezone()
    report = verify_store(context_of(request).store)
    return page(request, "verify.html", {"report": report, "checked_at": started}, who=who)


# --- ASEC ---------------------------------------------------------------------------


@router.get("/app/asec", response_class=HTMLResponse)
def asec_home(request: Request, who: Who) -> HTMLResponse:
    if not is_asec(who.actor):
        return forbidden(request, who, "this page is ASEC's")
    open_views = _views(request, [c.year for c in views.open_cycles(context_of(request).engine)])
    owed = views.steps_owed_by(open_views, "asec")
    zones = {view.year: view.zone for view in open_views}
    return page(request, "asec.html", {"owed": owed, "zones": zones}, who=who)


@router.get("/app/asec/{section}", response_class=HTMLResponse)
def asec_section(
    request: Request, section: Annotated[str, Path(pattern="^(monitoring|report)$")], who: Who
) -> Response:
    if not is_asec(who.actor):
        return forbidden(request, who, "this page is ASEC's")
    if section == "monitoring":  # IMD's assessments have their page (api/pages/monitoring.py)
        return RedirectResponse("/app/assessments", status_code=303)
    # The report's page of the cycle ASEC drafts in (api/pages/report.py).
    engine = context_of(request).engine
    year = views.report_year(_views(request, [c.year for c in views.open_cycles(engine)]))
    year = year or views.report_year(_views(request, [c.year for c in list_cycles(engine)]))
    target = "/app/cycles" if year is None else f"/app/cycles/{year}/report"
    return RedirectResponse(target, status_code=303)
