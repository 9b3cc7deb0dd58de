"""Reminders and escalations by e-mail, against a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from ascn.operate import print_failed_mail
from domain.events import MailDelivered, MailFailed, StepEscalated
from eventstore.codec import to_domain
from eventstore.store import EventStore
from mail.dispatch import dispatch
from mail.outbox import outbox_rows
from mail.rules import message_id, outbox_stream
from mail.transport import FileTransport
from tests.mail.conftest import (
    DEADLINE,
    SENDER,
    YEAR,
    Cycle,
    SmtpServer,
    later,
    project_and_dispatch,
)


def outbox_events(engine: Engine) -> list[object]:
    return [to_domain(e) for e in EventStore(engine).read_stream(outbox_stream(YEAR))]


async def test_a_reminder_goes_to_the_laggards_only_in_their_words(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    cycle.opened()
    cycle.reminder("T-14", "nr:MY", "nr:TH")

    report = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(0))

    assert len(report.sent) == 2
    by_to = {str(m["To"]): m for m in smtp.messages}
    assert set(by_to) == {
        "National Representative of MY <nr.my@ascn.example>",
        "National Representative of TH <nr.th@ascn.example>",
    }
    mail = by_to["National Representative of MY <nr.my@ascn.example>"]
    expected_id = message_id(YEAR, "nomination_deadline", "T-14", DEADLINE.isoformat(), "nr:MY")
    assert mail["Message-ID"] == expected_id
    assert expected_id.endswith("@ascn>")
    assert len(expected_id) == 32 + len("<@ascn>")
    assert mail["Subject"] == "[ASCN 2027] Reminder (T-14): nomination_deadline, due 2027-02-28"
    assert mail["From"] == SENDER
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Sunday 28 February 2027, 23:59 (UTC+07:00)" in text
    assert "escalated to the shepherd at the deadline" in text
    lines = [line.strip() for line in text.splitlines()]
    assert "To act:    ascn nominate --year 2027 --file nominations.yaml" in lines
    assert "ascn nil-return --year 2027 --member-state MY" in lines
    assert "POST /v1/cycles/2027/nominations" in text
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "<code>ascn nil-return --year 2027 --member-state MY</code>" in html
    delivered = outbox_events(engine)
    assert {e.recipient for e in delivered if isinstance(e, MailDelivered)} == {"nr:MY", "nr:TH"}
    assert {row["state"] for row in outbox_rows(engine, YEAR)} == {"delivered"}


async def test_a_second_dispatch_sends_nothing(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    cycle.opened()
    cycle.reminder("T-7", "nr:MY")
    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(0))

    again = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1))

    assert again.sent == []
    assert again.queued == 0
    assert len(smtp.messages) == 1
    assert len(outbox_events(engine)) == 1


async def test_the_same_reminder_recorded_twice_queues_one_mail_until_the_deadline_moves(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    cycle.opened()
    cycle.reminder("T-7", "nr:MY")
    cycle.reminder("T-7", "nr:MY")
    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(0))
    assert len(smtp.messages) == 1

    cycle.extended(DEADLINE + timedelta(days=7))
    cycle.reminder("T-7", "nr:MY")
    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1))

    assert len(smtp.messages) == 2
    assert "due 2027-03-07" in str(smtp.messages[1]["Subject"])
    assert smtp.messages[0]["Message-ID"] != smtp.messages[1]["Message-ID"]


async def test_an_outage_ends_with_each_mail_delivered_exactly_once(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    cycle.opened()
    cycle.reminder("T-1", "nr:MY", "nr:VN")
    smtp.stop()

    down = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(0))

    assert down.sent == []
    assert len(down.retrying) == 2
    rows = outbox_rows(engine, YEAR)
    assert {r["state"] for r in rows} == {"queued"}
    assert {r["attempts"] for r in rows} == {1}
    assert all(r["last_error"] for r in rows)
    too_soon = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(0))
    assert too_soon.retrying == []  # backing off: not yet due again

    smtp.start()
    up = await project_and_dispatch(
        engine, smtp.transport(), clock=lambda: later(0) + timedelta(minutes=5)
    )
    again = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1))

    assert len(up.sent) == 2
    assert again.sent == []
    ids = [str(m["Message-ID"]) for m in smtp.messages]
    assert len(ids) == len(set(ids)) == 2
    assert len([e for e in outbox_events(engine) if isinstance(e, MailDelivered)]) == 2


async def test_a_refused_mailbox_records_mail_failed_and_shows_failed(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    smtp.collector.refuse.add("nr.la@ascn.example")
    cycle.opened()
    cycle.reminder("T-14", "nr:LA", "nr:MY")

    report = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(0))
    again = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1))

    assert len(report.failed) == 1
    assert len(report.sent) == 1
    assert again.failed == []
    states = {r["recipient"]: r["state"] for r in outbox_rows(engine, YEAR)}
    assert states == {"nr:LA": "failed", "nr:MY": "delivered"}
    (failed,) = [e for e in outbox_events(engine) if isinstance(e, MailFailed)]
    assert failed.recipient == "nr:LA"
    assert failed.permanent
    assert failed.reason.startswith("550")
    shown = Console(record=True, width=200)
    print_failed_mail(shown, outbox_rows(engine, YEAR))
    text = shown.export_text()
    assert "1 mail(s) could not be delivered" in text
    assert "nr:LA <nr.la@ascn.example>" in text


async def test_an_escalation_goes_to_the_next_rung_and_names_who_is_late(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    cycle.opened()
    cycle.escalated("deadline", "shepherd:SG", "nr:MY", "nr:TH")

    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(15))

    (mail,) = smtp.messages
    assert mail["To"] == '"ASCN shepherd (SG)" <shepherd.sg@ascn.example>'
    assert mail["Subject"] == "[ASCN 2027] Escalation (deadline): nomination_deadline is overdue"
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Still owed by: nr:MY, nr:TH" in text
    assert "escalated to the Chair of ASCN 7 days after the deadline" in text


async def test_a_daily_recipient_gets_one_digest_the_next_day(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    cycle.opened()
    cycle.escalated("deadline+14d", "jcm_report", "nr:MY")
    cycle.opened(step="scgw", deadline=DEADLINE + timedelta(days=60))
    cycle.reminder("T-14", "asec", step="scgw")  # asec shares the IMD address: also daily

    same_day = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(0.1))
    assert same_day.sent == []
    assert same_day.queued == 2

    next_day = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(1))

    assert len(next_day.sent) == 2  # one digest per party label (jcm_report, asec)
    subjects = sorted(str(m["Subject"]) for m in smtp.messages)
    assert subjects == [
        "[ASCN 2027] Escalation (deadline+14d): nomination_deadline is overdue",
        "[ASCN 2027] Reminder (T-14): scgw, due 2027-04-29",
    ]


async def test_a_digest_lists_each_item(engine: Engine, cycle: Cycle, smtp: SmtpServer) -> None:
    cycle.opened()
    cycle.opened(step="scgw", deadline=DEADLINE + timedelta(days=60))
    cycle.escalated("deadline+14d", "jcm_report", "nr:MY")
    cycle.record(
        StepEscalated(
            year=YEAR, step="scgw", rung="deadline+14d", escalated_to="jcm_report",
            outstanding=("nr:TH",),
        )
    )  # fmt: skip

    await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(2))

    (digest,) = smtp.messages
    assert digest["Subject"] == "[ASCN] Daily digest: 2 reminders and escalations"
    text = digest.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "1. Escalation (deadline+14d): nomination_deadline" in text
    assert "2. Escalation (deadline+14d): scgw" in text
    assert len([e for e in outbox_events(engine) if isinstance(e, MailDelivered)]) == 2


async def test_the_file_transport_writes_eml_files(
    engine: Engine, cycle: Cycle, tmp_path: Path
) -> None:
    cycle.opened()
    cycle.reminder("T-14", "nr:MY")

    report = await project_and_dispatch(
        engine, FileTransport(tmp_path / "outbox"), clock=lambda: later(0)
    )

    (sent,) = report.sent
    (written,) = (tmp_path / "outbox").glob("*.eml")
    assert written.name == sent.strip("<>") + ".eml"
    content = written.read_text()
    assert f"Message-ID: {sent}" in content
    assert "To: National Representative of MY" in content


async def test_the_dispatcher_sends_only_what_the_projector_queued(
    engine: Engine, cycle: Cycle, smtp: SmtpServer
) -> None:
    cycle.opened()
    cycle.reminder("T-14", "nr:MY")

    unprojected = await dispatch(engine, smtp.transport(), sender=SENDER, clock=lambda: later(0))

    assert (unprojected.queued, unprojected.sent) == (0, [])
    assert outbox_rows(engine, YEAR) == []
    projected = await project_and_dispatch(engine, smtp.transport(), clock=lambda: later(0))
    assert (projected.queued, len(projected.sent)) == (1, 1)
