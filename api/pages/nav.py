"""The pages' navigation: one list, which features extend with ``add_page``.

A feature that brings a page (action plans, assessments, the report) registers it
here with who may see it; the layout shows each person the entries their role may
open, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.access import Action, permits
from domain.actors import Actor


@dataclass(frozen=True)
class NavEntry:
    label: str
    path: str
    shows: Callable[[Actor], bool]
    order: int = 100


NAV: list[NavEntry] = []


def add_page(label: str, path: str, shows: Callable[[Actor], bool], order: int = 100) -> None:
    """Register a page in the navigation (idempotent per path)."""
    if any(entry.path == path for entry in NAV):
        return
    NAV.append(NavEntry(label, path, shows, order))
    NAV.sort(key=lambda entry: (entry.order, entry.label))


def entries_for(actor: Actor) -> list[NavEntry]:
    return [entry for entry in NAV if entry.shows(actor)]


def is_nr(actor: Actor) -> bool:
    return actor.kind == "nr"


def is_chair_team(actor: Actor) -> bool:
    return actor.kind == "chair_team" and not actor.is_legacy


def is_asec(actor: Actor) -> bool:
    return actor.kind == "asec"


def reads_everything(actor: Actor) -> bool:
    return permits(actor, Action.READ_EVENTS)


add_page("Home", "/app", lambda _: True, order=0)
add_page("What my state owes", "/app/nr", is_nr, order=10)
add_page("Inbox", "/app/inbox", is_chair_team, order=20)
add_page("Cycles", "/app/cycles", lambda actor: permits(actor, Action.READ_CYCLE), order=30)
add_page("Failed mail", "/app/mail", reads_everything, order=40)
add_page("Store check", "/app/verify", reads_everything, order=50)
add_page("What ASEC owes", "/app/asec", is_asec, order=60)
add_page("Report", "/app/asec/report", is_asec, order=62)


@dataclass(frozen=True)
class CyclePage:
    """A page about one cycle (``/app/cycles/{year}`` + ``suffix``), linked from the
    cycle's page for those it shows to."""

    label: str
    suffix: str
    shows: Callable[[Actor], bool]
    order: int = 100


CYCLE_PAGES: list[CyclePage] = []


def add_cycle_page(
    label: str, suffix: str, shows: Callable[[Actor], bool], order: int = 100
) -> None:
    """Link a page about a cycle from the cycle's page (idempotent per suffix): the
    decisions up the chain, the annual report..."""
    if any(entry.suffix == suffix for entry in CYCLE_PAGES):
        return
    CYCLE_PAGES.append(CyclePage(label, suffix, shows, order))
    CYCLE_PAGES.sort(key=lambda entry: (entry.order, entry.label))


def cycle_pages_for(actor: Actor) -> list[CyclePage]:
    return [entry for entry in CYCLE_PAGES if entry.shows(actor)]
