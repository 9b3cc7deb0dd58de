"""A real SMTP server (aiosmtpd) on 127.0.0.1, and cycle events to mail about."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from ascn.projections import catch_up_all
from domain.actors import Actor
from domain.events import (
    CycleOpened,
    DeadlineExtended,
    DomainEvent,
    ReminderSent,
    StepEscalated,
    StepOpened,
)
from domain.streams import cycle_stream
from eventstore.codec import to_new_event
from eventstore.store import EventStore
from mail.dispatch import DispatchReport, dispatch
from mail.transport import SmtpTransport, Transport

YEAR = 2027
DEADLINE = datetime(
    2027, 2, 28, 23, 59, 59, tzinfo=timezone(timedelta(hours=7))
)  # as a Jakarta calendar sets it
SYSTEM = Actor(id="cycle", role="system")
SENDER = "ASCN cycle <ascn-cycle@ascn.example>"


class Collector:
    """Keeps every message it accepts; refuses (550) the addresses in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.collector = Collector()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.collector.messages

    def transport(self) -> SmtpTransport:
        return SmtpTransport("127.0.0.1", self.port, tls="none", timeout=5)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


class Cycle:
    """Appends the cycle events the workflow would record."""

    def __init__(self, engine: Engine) -> None:
        self.store = EventStore(engine)
        self.at = datetime(2027, 2, 14, 1, 0, tzinfo=UTC)
        self._cycle_opened = False

    def record(self, *events: DomainEvent) -> None:
        new = [
            to_new_event(e, event_id=uuid.uuid4(), occurred_at=self.at, actor=SYSTEM)
            for e in events
        ]
        self.store.append(cycle_stream(YEAR), new, expected_version=None)

    def opened(self, step: str = "nomination_deadline", deadline: datetime = DEADLINE) -> None:
        """Opens the step (and the cycle, the first time)."""
        if not self._cycle_opened:
            self.record(CycleOpened(year=YEAR, chair="PH", shepherd="SG", template="recurring"))
            self._cycle_opened = True
        self.record(StepOpened(year=YEAR, step=step, deadline=deadline))

    def reminder(self, rung: str, *recipients: str, step: str = "nomination_deadline") -> None:
        self.record(ReminderSent(year=YEAR, step=step, rung=rung, recipients=recipients))

    def escalated(self, rung: str, to: str, *outstanding: str) -> None:
        self.record(
            StepEscalated(
                year=YEAR, step="nomination_deadline", rung=rung, escalated_to=to,
                outstanding=outstanding,
            )
        )  # fmt: skip

    def extended(self, new_deadline: datetime, step: str = "nomination_deadline") -> None:
        self.record(
            DeadlineExtended(
                year=YEAR, step=step, previous_deadline=DEADLINE, new_deadline=new_deadline,
                reason="the SOM moved",
            )
        )  # fmt: skip


@pytest.fixture
def cycle(engine: Engine) -> Cycle:
    return Cycle(engine)


def later(days: float) -> datetime:
    return datetime(2027, 2, 14, 1, 0, tzinfo=UTC) + timedelta(days=days)


async def project_and_dispatch(
    engine: Engine, transport: Transport, *, clock: Callable[[], datetime]
) -> DispatchReport:
    """A projector pass (it queues what the store calls for), then a dispatcher pass."""
    catch_up_all(engine)
    return await dispatch(engine, transport, sender=SENDER, clock=clock)
