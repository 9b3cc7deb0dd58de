"""Sign-in mail on the shipped contacts: every role that signs in is mailed its link;
a role the contacts do not name gets the page an unknown user gets, and the operator
a warning in the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.contacts import Contacts
from eventstore.store import EventStore
from services import users
from tests.web.conftest import NOW, SETUP, Site, build_site, csrf_of


def ask_for_link(client: TestClient, name: str) -> str:
    form = client.get("/app/signin")
    answer = client.post("/app/signin", data={"name": name, "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 200, answer.text
    return str(answer.text)


@pytest.mark.parametrize(
    ("name", "role"),
    [("sg-chair-team", "chair_team:SG"), ("csco-kl", "csco:MY-kuala-lumpur"),
     ("root", "admin"), ("asec-imd", "asec"), ("nr-my", "nr:MY")],
)  # fmt: skip
def test_every_role_that_signs_in_is_mailed_on_the_packaged_contacts(
    browser_client: TestClient, site: Site, name: str, role: str
) -> None:
    if role == "admin":
        directory = users.Directory(store=EventStore(site.engine), clock=lambda: NOW)
        users.add_user(directory, users.AddUser(name=name, role=role), SETUP)

    ask_for_link(browser_client, name)

    (message, recipients), *_ = site.outbox.sent
    contact = Contacts.load().get(role)
    assert contact is not None
    assert recipients == [contact.email]
    assert message["To"].addresses[0].addr_spec == contact.email
    assert "/app/signin/link?token=" in site.outbox.last_link()


def test_a_role_without_a_contact_is_logged_and_answered_as_an_unknown_user(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    raw = Contacts.load().model_dump()
    del raw["contacts"]["chair_team:SG"]
    site = build_site(tmp_path / "web.db", contacts=Contacts.from_dict(raw))
    with TestClient(site.app) as client, caplog.at_level(logging.WARNING, logger="ascn.api"):
        known = ask_for_link(client, "sg-chair-team")
        unknown = ask_for_link(client, "nobody-at-all")
    site.engine.dispose()

    assert site.outbox.sent == []
    assert known.replace("sg-chair-team", "NAME") == unknown.replace("nobody-at-all", "NAME")
    (record,) = [r for r in caplog.records if "sign-in" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "sg-chair-team" in record.getMessage()
    assert "chair_team:SG" in record.getMessage()


def test_a_sign_in_name_too_long_redraws_the_form_naming_the_field(
    browser_client: TestClient, site: Site
) -> None:
    form = browser_client.get("/app/signin")
    answer = browser_client.post(
        "/app/signin", data={"name": "x" * 151, "csrf_token": csrf_of(form.text)}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "user name: at most 150 characters; this one has 151" in answer.text
    assert 'aria-describedby="refusal"' in answer.text
    assert site.outbox.sent == []
