"""Rebuilding the read models never queues a mail again: the outbox keeps its rows."""

from __future__ import annotations

from sqlalchemy import Engine

from ascn.projections import rebuild
from mail.outbox import outbox_rows
from tests.mail.conftest import Cycle, SmtpServer, later, project_and_dispatch


async def test_mail_sent_before_a_rebuild_is_not_sent_again_after_it(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    cycle.opened()
    cycle.reminder("T-14", "nr:MY", "nr:TH")
    cycle.escalated("D+1", "shepherd:SG", "nr:MY")
    first = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(2))
    sent = outbox_rows(engine)
    assert len(first.sent) == len(sent) == 3
    assert {row["state"] for row in sent} == {"delivered"}

    head = cycle.store.last_position()  # the cycle's events and what became of the mail
    applied = rebuild(engine)
    cycle.reminder("T-7", "nr:TH")  # and the cycle goes on: only this one is new
    second = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(3))

    assert applied["cycles"] == head  # the cycle read models were rebuilt from the first event
    assert len(second.sent) == 1
    assert len(smtp.messages) == 4
    assert outbox_rows(engine)[:3] == sent
