"""Reminder and escalation mail."""

from __future__ import annotations

import asyncio
import signal
import threading
from typing import Annotated

import typer

from ascn.bootstrap import mail_transport, services
from ascn.cli.common import DbOption, group, load, log, out
from ascn.operate import print_lag
from eventstore.lag import lag_of
from mail.dispatch import dispatch
from mail.outbox import OutboxProjection

mail_app = group("E-mail reminders and escalations.")


@mail_app.command("dispatch")
def mail_dispatch(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(min=1, help="Seconds between passes.")] = 60,
    db: DbOption = None,
) -> None:
    """Send the queued reminder and escalation mails that are due (the projector queues them),
    until Ctrl-C or SIGTERM: the mail being sent is finished and recorded, then it exits."""
    settings = load(db)
    transport = mail_transport(settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with services(settings) as built:
        while not stop.is_set():
            # As the queue stood when the pass began: the mail events the pass itself
            # records are not the projector's delay.
            lag = lag_of(built.engine, [OutboxProjection.name])
            report = asyncio.run(
                dispatch(
                    built.engine, transport, sender=settings.mail_from, contacts=built.contacts,
                    base_url=settings.base_url, stopping=stop.is_set,
                )
            )  # fmt: skip
            out.print(
                f"queued {report.queued}, sent {len(report.sent)}, "
                f"retrying {len(report.retrying)}, failed {len(report.failed)}"
            )
            print_lag(out, lag)
            if once:
                return
            stop.wait(interval)
    log.info("mail dispatcher stopped")
