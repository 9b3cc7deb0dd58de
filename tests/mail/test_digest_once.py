"""A daily digest goes out under one Message-ID with one content, whenever the dispatcher
dies: its id and items are fixed when it is queued, its delivery recorded at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import Engine

from ascn.projections import catch_up_all
from domain.events import MailDelivered, StepEscalated
from eventstore.codec import to_domain
from eventstore.store import EventStore
from mail.outbox import mark, outbox_rows
from mail.rules import outbox_stream
from tests.mail.conftest import DEADLINE, YEAR, Cycle, SmtpServer, later, project_and_dispatch

STEPS = ("nomination_deadline", "scgw", "annual_meeting")


class Killed(BaseException):
    """The dispatcher's process dies here (a BaseException: nothing may catch it)."""


class Death:
    """Once armed, the process dies as it makes its (n+1)-th write (a store append or an
    outbox update), after n writes went through."""

    def __init__(self) -> None:
        self.after_writes: int | None = None
        self.writes = 0

    def arm(self, after_writes: int) -> None:
        self.after_writes, self.writes = after_writes, 0

    def disarm(self) -> None:
        self.after_writes = None

    def wrap(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def dying(*args: Any, **kwargs: Any) -> Any:
            if self.after_writes is not None and self.writes == self.after_writes:
                raise Killed
            result = write(*args, **kwargs)
            self.writes += 1
            return result

        return dying


@pytest.fixture
def death(monkeypatch: pytest.MonkeyPatch) -> Death:
    armed = Death()
    monkeypatch.setattr(EventStore, "append", armed.wrap(EventStore.append))
    monkeypatch.setattr("mail.dispatch.mark", armed.wrap(mark))
    return armed


def three_items_for_the_jcm_report(cycle: Cycle) -> None:
    """Three escalations to a daily recipient on one day: one digest of three items."""
    for offset, step in enumerate(STEPS):
        cycle.opened(step=step, deadline=DEADLINE + timedelta(days=offset))
        cycle.record(
            StepEscalated(year=YEAR, step=step, rung="deadline+14d", escalated_to="jcm_report",
                          outstanding=("nr:MY",)),
        )  # fmt: skip


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


@pytest.mark.parametrize("writes", [0, 1], ids=["before-any-write", "after-the-first-write"])
async def test_a_killed_dispatcher_resends_the_same_digest_never_a_new_one(
    engine: Engine, cycle: Cycle, smtp: SmtpServer, death: Death, writes: int
) -> None:
    three_items_for_the_jcm_report(cycle)
    death.arm(after_writes=writes)

    with pytest.raises(Killed):
        await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1))
    (first,) = smtp.messages  # handed to the server, then the process died
    death.disarm()  # the restarted dispatcher lives
    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1.01))
    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(2))

    assert {str(mail["Message-ID"]) for mail in smtp.messages} == {str(first["Message-ID"])}
    assert {text_of(mail) for mail in smtp.messages} == {text_of(first)}
    assert first["Subject"] == "[ASCN] Daily digest: 3 reminders and escalations"
    assert all(f"{n}. Escalation (deadline+14d)" in text_of(first) for n in (1, 2, 3))
    events = [to_domain(e) for e in EventStore(engine).read_stream(outbox_stream(YEAR))]
    delivered = [e for e in events if isinstance(e, MailDelivered)]
    assert sorted(e.step for e in delivered) == sorted(STEPS)
    assert {e.message_id for e in delivered} == {str(first["Message-ID"])}
    assert {row["state"] for row in outbox_rows(engine, YEAR)} == {"delivered"}


async def test_a_digest_keeps_its_id_when_the_server_refuses_it_once(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    three_items_for_the_jcm_report(cycle)
    catch_up_all(engine)  # queued, not yet due: the digest waits for midnight
    queued = {row["digest_id"] for row in outbox_rows(engine, YEAR)}
    smtp.stop()
    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1))
    smtp.start()

    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1.1))

    (mail,) = smtp.messages
    assert queued == {str(mail["Message-ID"])}
