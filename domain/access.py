"""The access policy: who may do what, for which member state and which year.

It is the only place that says so. The services ask it before they call a cycle, the
API turns its refusal into a 403, and the cycle's update validators ask it again with
everything the cycle knows (the step's owner). Roles:

* ``nr:<AMS>``: submits nominations or a nil return for its own AMS; reads cycles and
  its own AMS's nominations and calendar (what its NR owes, by when), not another's.
* ``chair_team:<AMS>``: the team of the AMS holding the ASEAN Chair. In the cycle of a
  year that AMS chairs, it approves, extends and waives steps, grants exceptions,
  records each body's decision and accepts or declines candidature cities.
* The Chair of the ASCN (``nr:<Chair>``) and the shepherd (``shepherd:<AMS>``) of a
  year each submit that year's report to the JCM; an NR proposes candidature cities of
  its own AMS.
* ``shepherd:<AMS>``: starts the cycles of the years it shepherds; reads everything.
* ``asec``: ASEC and its IMD. Reads everything, approves the steps it owes, records
  each body's decision up the chain, submits the progress review, drafts the annual
  report (version after version) and submits a draft.
* ``admin``: manages users and tokens; reads everything, the API's schema included.
* Every person (any role above) may keep calendar feeds of their own, which answer
  what that person may read.
* ``csco:<city-id>``: the CSCO of a member city. Submits and revises its city's action
  plan (as the NR of the city's AMS may too) and reads the plans, assessments, partners
  and twinning pairs; nothing of the cycle.
* ``asec`` also records IMD's assessments of the projects; the Chair's team of a year's
  Chair adds partners, pairs cities with them, records twinning exceptions and the
  annual meeting's outcomes for that year. Every person reads plans and partners.
* ``system``: the engine itself, which acts inside the cycle and needs no permission.
  Legacy roles without a member state (facts from before) are granted nothing.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.actors import Actor
from domain.errors import NotAuthorised


class Action(StrEnum):
    START_CYCLE = "start a cycle"
    READ_CYCLE = "read a cycle"
    READ_STATE_CALENDAR = "read the calendar"
    """Of one member state (``Scope.member_state``): the deadlines its NR owes and when
    its NR's mails go out, by that state's working days."""
    SUBMIT_NOMINATIONS = "submit nominations"
    DECLARE_NIL_RETURN = "declare a nil return"
    READ_NOMINATIONS = "read nominations"
    GRANT_EXCEPTION = "grant an exception"
    APPROVE_STEP = "approve a step"
    EXTEND_DEADLINE = "extend a deadline"
    WAIVE_STEP = "waive a step"
    READ_EVENTS = "read the event store"
    MANAGE_USERS = "manage users and tokens"
    DECODE_PAYLOADS = "use the payload codec"
    READ_API_SCHEMA = "read the API's schema in production"
    KEEP_FEEDS = "keep calendar feeds"
    RECORD_DECISION = "record a body's decision"
    SUBMIT_REPORT = "submit the report to the JCM"
    SUBMIT_PROGRESS_REVIEW = "submit the progress review"
    DRAFT_REPORT = "draft the annual report"
    SUBMIT_REPORT_DRAFT = "submit a draft of the annual report"
    PROPOSE_CITY = "propose a candidature city"
    DECIDE_CITY = "accept or decline a candidature city"
    SUBMIT_PLAN = "submit an action plan"
    ASSESS_PROJECT = "record an assessment of a project"
    RECORD_PARTNERSHIPS = "record partners, twinning pairs and meeting outcomes"
    READ_RECORDS = "read action plans, assessments and partners"


class Scope(BaseModel):
    """What the action is about. A field left None is not known to the caller and is
    not checked; the cycle's validators always know all of them."""

    model_config = ConfigDict(frozen=True)

    year: int | None = None
    chair: str | None = None
    """The AMS holding the ASEAN Chair in ``year``."""
    shepherd: str | None = None
    """The shepherd AMS of ``year``."""
    member_state: str | None = None
    """The AMS the command is for (a nomination, an exception)."""
    owed_by: str | None = None
    """Who owes the step (``member_states``, ``chair_of_ascn``, ``shepherd``, ``asec``)."""
    city: str | None = None
    """The member city an action plan is of (its id, ``KH-siem-reap``)."""


Forbidden = NotAuthorised
ANYWHERE = Scope()

_READS = {Action.READ_CYCLE, Action.READ_NOMINATIONS}
_EVERYTHING_READ = _READS | {Action.READ_EVENTS, Action.READ_STATE_CALENDAR}
_CHAIR_DECISIONS = {
    Action.GRANT_EXCEPTION,
    Action.RECORD_DECISION,
    Action.DECIDE_CITY,
    Action.APPROVE_STEP,
    Action.EXTEND_DEADLINE,
    Action.WAIVE_STEP,
}
_ASEC_ACTS = {
    Action.RECORD_DECISION,
    Action.SUBMIT_PROGRESS_REVIEW,
    Action.DRAFT_REPORT,
    Action.SUBMIT_REPORT_DRAFT,
}
_NR_RETURNS = {Action.SUBMIT_NOMINATIONS, Action.DECLARE_NIL_RETURN, Action.PROPOSE_CITY}
_ADMIN_ONLY = {Action.MANAGE_USERS, Action.DECODE_PAYLOADS, Action.READ_API_SCHEMA}


def _allowed(actor: Actor, action: Action, scope: Scope) -> bool:
    kind, own = actor.kind, actor.member_state
    if actor.is_legacy or kind == "system":
        return False
    if action is Action.KEEP_FEEDS or action is Action.READ_RECORDS:
        return True
    if action in _RECORDS:
        return _allowed_records(actor, action, scope)
    if kind == "csco":
        return False
    if kind in ("admin", "asec", "shepherd") and action in _EVERYTHING_READ:
        return True
    if kind == "admin":
        return action in _ADMIN_ONLY
    if kind == "asec":
        if action in _ASEC_ACTS:
            return True
        return action is Action.APPROVE_STEP and scope.owed_by in (None, "asec")
    if kind == "shepherd":
        if action is Action.SUBMIT_REPORT:
            return scope.shepherd in (None, own)
        return action is Action.START_CYCLE and scope.shepherd in (None, own)
    if action in _READS:
        return True
    if action is Action.READ_STATE_CALENDAR:  # an NR: its own member state's only
        return kind == "chair_team" or scope.member_state in (None, own)
    if kind == "chair_team":
        return action in _CHAIR_DECISIONS and scope.chair in (None, own)
    if action is Action.SUBMIT_REPORT:  # the Chair of the ASCN: the NR of the Chair
        return scope.chair in (None, own)
    return action in _NR_RETURNS and scope.member_state in (None, own)


_RECORDS = {Action.SUBMIT_PLAN, Action.ASSESS_PROJECT, Action.RECORD_PARTNERSHIPS}


def _allowed_records(actor: Actor, action: Action, scope: Scope) -> bool:
    kind, own = actor.kind, actor.member_state
    if action is Action.SUBMIT_PLAN:
        if kind == "csco":
            return scope.city in (None, actor.city)
        city_state = None if scope.city is None else scope.city.partition("-")[0]
        return kind == "nr" and city_state in (None, own)
    if action is Action.ASSESS_PROJECT:
        return kind == "asec"
    return kind == "chair_team" and scope.chair in (None, own)


def _who_may(action: Action, scope: Scope) -> str:
    chair = scope.chair or "<AMS>"
    if action is Action.SUBMIT_PLAN:
        city = scope.city or "<city-id>"
        return f"only the CSCO of {city} (csco:{city}) or the NR of its member state may"
    if action is Action.ASSESS_PROJECT:
        return "only ASEC (asec) may"
    if action is Action.RECORD_PARTNERSHIPS:
        return f"only the Chair's team of that year's Chair (chair_team:{chair}) may"
    if action in _NR_RETURNS:
        if scope.member_state is None:
            return "only the NR of the member state (nr:<AMS>) may"
        return f"only the NR of {scope.member_state} (nr:{scope.member_state}) may"
    if action is Action.START_CYCLE:
        return f"only the shepherd of that year (shepherd:{scope.shepherd or '<AMS>'}) may"
    if action is Action.SUBMIT_REPORT:
        return (
            f"only the Chair of the ASCN (nr:{chair}) and the shepherd "
            f"(shepherd:{scope.shepherd or '<AMS>'}) of that year may"
        )
    if action is Action.RECORD_DECISION:
        return f"only the Chair's team of that year's Chair (chair_team:{chair}) or ASEC may"
    if action in _ASEC_ACTS:
        return "only ASEC may"
    if action is Action.APPROVE_STEP:
        asec = "" if scope.owed_by not in (None, "asec") else ", or ASEC for a step it owes,"
        return f"only the Chair's team of that year's Chair (chair_team:{chair}){asec} may"
    if action in _CHAIR_DECISIONS:
        return f"only the Chair's team of that year's Chair (chair_team:{chair}) may"
    if action in _ADMIN_ONLY:
        return "only an admin may"
    if action in _READS:
        return "only the NRs, the Chair's teams, the shepherd, ASEC and admins may"
    if action is Action.READ_STATE_CALENDAR:
        state = scope.member_state or "<AMS>"
        return (
            f"an NR reads its own member state's only; the NR of {state} (nr:{state}), the "
            "Chair's teams, the shepherd, ASEC and admins may"
        )
    return "only the shepherd, ASEC and admins may"


def refusal(actor: Actor, action: Action, scope: Scope = ANYWHERE) -> str | None:
    """Why ``actor`` may not do ``action`` in ``scope``; None if it may."""
    if _allowed(actor, action, scope):
        return None
    about = f" for {scope.member_state}" if action in _NR_RETURNS and scope.member_state else ""
    if action is Action.READ_STATE_CALENDAR and scope.member_state:
        about = f" of {scope.member_state}"
    if action is Action.SUBMIT_PLAN and scope.city:
        about = f" of {scope.city}"
    when = f" in the {scope.year} cycle" if scope.year is not None and not about else ""
    return f"{actor.label} may not {action}{about}{when}: {_who_may(action, scope)}"


def authorize(actor: Actor, action: Action, scope: Scope = ANYWHERE) -> None:
    """Raise ``Forbidden`` (NotAuthorised) naming who, what and why, unless permitted."""
    reason = refusal(actor, action, scope)
    if reason is not None:
        raise Forbidden(reason)


def permits(actor: Actor, action: Action, scope: Scope = ANYWHERE) -> bool:
    return refusal(actor, action, scope) is None


def reads_every_member_state(actor: Actor) -> bool:
    """Whether ``actor`` sees every AMS's nominations (an NR sees only its own)."""
    return actor.kind not in ("nr", "csco")
