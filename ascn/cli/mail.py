"""Reminder and escalation mail."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer

from ascn.bootstrap import mail_transport, services
from ascn.cli.common import DbOption, group, load, out
from mail.dispatch import dispatch

mail_app = group("E-mail reminders and escalations.")


@mail_app.command("dispatch")
def mail_dispatch(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(min=1, help="Seconds between passes.")] = 60,
    db: DbOption = None,
) -> None:
    """Queue the mails the cycle's reminders and escalations call for, and send them."""
    settings = load(db)
    transport = mail_transport(settings)
    with services(settings) as built:
        while True:
            report = asyncio.run(dispatch(built.engine, transport, sender=settings.mail_from))
            out.print(
                f"queued {report.queued}, sent {len(report.sent)}, "
                f"retrying {len(report.retrying)}, failed {len(report.failed)}"
            )
            if once:
                return
            time.sleep(interval)
