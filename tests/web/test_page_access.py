"""Who may open which page: every signed-in role against every page that is read (GET),
as the API's matrix (``tests/api/test_access_matrix.py``) does for the routes. A page
refused is a 403 page saying who may; one allowed answers 200 (or sends the browser on,
303, where the page is another's). A CSCO reads plans and partners, nothing of a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.pages import ROUTERS
from eventstore.store import EventStore
from services import users
from tests.web.conftest import NOW, SETUP, USERS, Site, build_site, signed_in

ADMIN = "root"
PEOPLE = {**USERS, ADMIN: "admin"}
EVERYONE = frozenset(PEOPLE)
CSCO = "csco-kl"
NRS = frozenset({"nr-my", "nr-la", "nr-sg"})
CYCLE_READERS = EVERYONE - {CSCO}
AUDITORS = frozenset({"id-shepherd", "asec-imd", ADMIN})
KL = "MY-kuala-lumpur"

PAGES: dict[str, tuple[frozenset[str], int]] = {
    "/app": (EVERYONE, 200),
    "/app/nr": (NRS, 200),
    "/app/inbox": (frozenset({"sg-chair-team"}), 200),
    "/app/cycles": (CYCLE_READERS, 200),
    "/app/cycles/2027": (CYCLE_READERS, 200),
    "/app/cycles/2027/audit": (AUDITORS, 200),
    "/app/cycles/2027/nominations": (NRS, 200),
    "/app/cycles/2027/decisions": (CYCLE_READERS, 200),
    "/app/cycles/2027/report": (CYCLE_READERS, 200),
    "/app/cycles/2027/report/document?format=json": (CYCLE_READERS, 200),
    "/app/candidature-cities": (CYCLE_READERS, 200),
    "/app/events/{event_id}": (AUDITORS, 200),
    "/app/mail": (AUDITORS, 200),
    "/app/verify": (AUDITORS, 200),
    "/app/asec": (frozenset({"asec-imd"}), 200),
    "/app/asec/report": (frozenset({"asec-imd"}), 303),
    "/app/plans": (EVERYONE, 200),
    f"/app/plans/{KL}": (EVERYONE, 200),
    # The CSCO of the city and the NR of its member state.
    f"/app/plans/{KL}/edit": (frozenset({CSCO, "nr-my"}), 200),
    "/app/assessments": (EVERYONE, 200),
    f"/app/assessments/2027/{KL}/smart-traffic": (frozenset({"asec-imd"}), 200),
    "/app/partners": (EVERYONE, 200),
    # 2027's Chair is Singapore.
    "/app/partners/twinning": (frozenset({"sg-chair-team"}), 200),
    # Before sign-in: the form and the link's page answer anyone.
    "/app/signin": (EVERYONE, 200),
    "/app/signin/link?token=x": (EVERYONE, 200),
}
"""Each page, who may open it and what it answers them."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = build_site(Path(tmp_path_factory.mktemp("pages")) / "web.db")
    directory = users.Directory(store=EventStore(built.engine), clock=lambda: NOW)
    users.add_user(directory, users.AddUser(name=ADMIN, role="admin"), SETUP)
    yield built
    built.engine.dispose()


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_each_role_opens_the_pages_it_may_and_no_other(site: Site, name: str) -> None:
    event_id = str(EventStore(site.engine).read_all(limit=1)[0].event_id)
    with TestClient(site.app) as client:
        signed_in(client, site, name)
        answers = {
            path: client.get(path.format(event_id=event_id), follow_redirects=False)
            for path in PAGES
        }

    wrong = {
        path: answer.status_code
        for path, answer in answers.items()
        if answer.status_code != (PAGES[path][1] if name in PAGES[path][0] else 403)
    }
    assert wrong == {}, f"{name} ({PEOPLE[name]})"
    for path, answer in answers.items():
        if answer.status_code == 403:
            assert answer.headers["content-type"].startswith("text/html")
            assert "Not for you" in answer.text, path


def test_the_matrix_covers_every_page() -> None:
    pages = sorted(
        route.path
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and route.path.startswith("/app")
        and "GET" in (route.methods or ())
    )
    for path in pages:
        pattern = re.compile(re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        matching = [p for p in PAGES if pattern.match(p.split("?")[0])]
        assert len(matching) == 1, (path, matching)
    assert len(pages) == len(PAGES)
