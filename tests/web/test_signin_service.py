"""Sign-in links and sessions in the store, on SQLite and PostgreSQL: a link works once
and for 15 minutes, only hashes are kept, a session is a token of the users model whose
issue and end are events of the ``users`` stream, and two redemptions racing get one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from domain.actors import Actor
from domain.events.users import USERS_STREAM
from eventstore.readmodels.accounts import token_hash
from eventstore.readmodels.accounts_tables import web_signin_links
from eventstore.store import EventStore
from services import signin, users

NOW = datetime(2027, 2, 10, 9, 30, tzinfo=UTC)
ADMIN = Actor(id="root", role="admin")


def directory(engine: Engine, now: datetime = NOW) -> users.Directory:
    return users.Directory(store=EventStore(engine), clock=lambda: now)


@pytest.fixture
def people(engine: Engine) -> users.Directory:
    found = directory(engine)
    users.add_user(found, users.AddUser(name="aziz", role="nr:MY"), ADMIN)
    users.add_user(found, users.AddUser(name="gone", role="nr:LA"), ADMIN)
    users.disable_user(found, users.DisableUser(name="gone"), ADMIN)
    return found


def test_a_link_is_kept_only_as_its_hash_and_signs_in_once(
    engine: Engine, people: users.Directory
) -> None:
    link = signin.request_link(people, "aziz")
    assert link is not None
    assert link.expires_at == NOW + signin.LINK_TTL
    with engine.connect() as conn:
        stored = conn.execute(select(web_signin_links)).one()
    assert stored.hash == token_hash(link.token)
    assert link.token not in str(stored)
    session = signin.redeem_link(people, link.token)
    assert session.user == "aziz"
    assert signin.session_user(people, session.token) is not None
    with pytest.raises(signin.SignInRefused, match="already used or expired"):
        signin.redeem_link(people, link.token)
    issued = [e for e in EventStore(engine).read_stream(USERS_STREAM) if e.type == "TokenIssued"]
    assert issued[-1].actor == "nr:MY/aziz"
    assert issued[-1].data["token_sha256"] == token_hash(session.token)


def test_a_link_expires_after_15_minutes(engine: Engine, people: users.Directory) -> None:
    link = signin.request_link(people, "aziz")
    assert link is not None
    later = directory(engine, NOW + signin.LINK_TTL)
    with pytest.raises(signin.SignInRefused):
        signin.redeem_link(later, link.token)
    just_in_time = directory(engine, NOW + signin.LINK_TTL - timedelta(seconds=1))
    assert signin.redeem_link(just_in_time, link.token).user == "aziz"


def test_no_link_for_an_unknown_or_disabled_user(people: users.Directory) -> None:
    assert signin.request_link(people, "nobody") is None
    assert signin.request_link(people, "gone") is None
    assert signin.request_link(people, "x" * 500) is None


def test_signing_out_revokes_the_session_as_an_event(
    engine: Engine, people: users.Directory
) -> None:
    link = signin.request_link(people, "aziz")
    assert link is not None
    session = signin.redeem_link(people, link.token, timedelta(hours=1))
    assert signin.sign_out(people, session.token) is True
    assert signin.session_user(people, session.token) is None
    assert signin.sign_out(people, session.token) is False
    last = EventStore(engine).read_stream(USERS_STREAM)[-1]
    assert (last.type, last.actor) == ("TokenRevoked", "nr:MY/aziz")


def test_a_session_ends_when_it_expires(engine: Engine, people: users.Directory) -> None:
    link = signin.request_link(people, "aziz")
    assert link is not None
    session = signin.redeem_link(people, link.token, timedelta(hours=1))
    assert signin.session_user(directory(engine, NOW + timedelta(minutes=59)), session.token)
    assert signin.session_user(directory(engine, NOW + timedelta(hours=1)), session.token) is None


def test_two_redemptions_racing_open_one_session(engine: Engine, people: users.Directory) -> None:
    link = signin.request_link(people, "aziz")
    assert link is not None

    def redeem() -> str:
        try:
            return signin.redeem_link(people, link.token).token_id
        except signin.SignInRefused:
            return "refused"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: redeem(), range(4)))
    assert outcomes.count("refused") == 3


def test_a_person_gets_at_most_five_live_links(engine: Engine, people: users.Directory) -> None:
    links = [signin.request_link(people, "aziz") for _ in range(signin.LIVE_LINKS_PER_USER)]
    assert all(link is not None for link in links)
    assert signin.request_link(people, "aziz") is None
    later = directory(engine, NOW + signin.LINK_TTL)  # the first five have expired
    assert signin.request_link(later, "aziz") is not None
