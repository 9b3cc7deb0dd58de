"""The projector and the mail dispatcher killed with SIGKILL mid-batch, mails going to a
real SMTP server (aiosmtpd) that counts what it receives.

The store holds a cycle's reminders (the facts the workflow records), enough of them
that a projector pass takes a while. ``ascn project`` is killed twice while a batch's
transaction is open (the test sees SQLite's write lock held), then runs to the end and
stops on SIGTERM. ``ascn mail dispatch`` is killed three times while it sends, then
stopped once with SIGTERM mid-pass, then runs until every mail is out.

Each mail is received exactly once, except in the one window SMTP leaves open: between
the SMTP server's final "250" for a message and the dispatcher's commit of its
``MailDelivered``. A dispatcher killed there sends that mail again on its next pass,
under the same Message-ID (so a receiver can drop it). So at most one mail per kill is
received twice, and none after a SIGTERM, which lets the mail being sent finish and be
recorded.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from ascn.projections import app_projector
from domain.actors import Actor
from domain.events import CycleOpened, DomainEvent, ReminderSent, StepOpened
from domain.streams import cycle_stream
from eventstore import migrate
from eventstore.codec import to_new_event
from eventstore.engine import create_store_engine
from eventstore.readmodels.schema import outbox
from eventstore.schema import events, projection_checkpoints
from eventstore.store import EventStore
from mail.dispatch import event_id_for
from tests.faults.store_checks import assert_store_sound
from tests.mail.conftest import Collector, SmtpServer
from tests.processes import Process, ascn_env, eventually

pytestmark = [pytest.mark.faults, pytest.mark.asyncio]

SEED = 14
YEAR = 2027
SYSTEM = Actor(id="cycle", role="system")
MAILED = ("nr:SG", "nr:TH", "nr:MY")
"""Recipients with an immediate contact: one mail each per reminder."""
MAIL_STEPS = 20
FILLER_STEPS = 12000
"""Steps whose reminders go to a party with no address: projected, never mailed. Enough
(about 24,000 events) that the bulk catch-up takes seconds, so each kill lands before the
read models reach the head."""
PROJECTOR_KILLS = 2
DISPATCHER_KILLS = 3
SMTP_DELAY_S = 0.03
STOPS_WITHIN_S = 10
"""Before an orchestrator's SIGKILL would follow its SIGTERM (docker's grace period)."""


class SlowCollector(Collector):
    """Takes a moment over each message, as a real server does, so kills land mid-pass."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(SMTP_DELAY_S)
        return str(await super().handle_DATA(server, session, envelope))


def record_reminders(engine: Engine) -> int:
    """The cycle's facts, as the workflow records them; returns how many."""
    now = datetime.now(UTC)
    deadline = now + timedelta(days=30)
    facts: list[DomainEvent] = [
        CycleOpened(year=YEAR, chair="SG", shepherd="ID", template="recurring")
    ]
    for index in range(MAIL_STEPS + FILLER_STEPS):
        step = f"step-{index:04d}"
        to = MAILED if index < MAIL_STEPS else ("nr:XX",)
        facts += [
            StepOpened(year=YEAR, step=step, deadline=deadline),
            ReminderSent(year=YEAR, step=step, rung="T-14", recipients=to),
        ]
    store = EventStore(engine)
    for start in range(0, len(facts), 500):
        batch = [
            to_new_event(f, event_id=uuid.uuid4(), occurred_at=now, actor=SYSTEM)
            for f in facts[start : start + 500]
        ]
        store.append(cycle_stream(YEAR), batch, expected_version=None)
    return len(facts)


def writing(db_path: Path) -> bool:
    """Someone holds SQLite's write lock: a projector batch is open."""
    probe = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def projected_to_head(engine: Engine, names: list[str]) -> bool:
    with engine.connect() as conn:
        head = conn.execute(select(func.max(events.c.position))).scalar_one()
        rows = dict(
            conn.execute(
                select(projection_checkpoints.c.name, projection_checkpoints.c.position)
            ).all()
        )
    return all(rows.get(name) == head for name in names)


def delivered_recorded(engine: Engine) -> set[str]:
    """Message-IDs whose MailDelivered is in the store."""
    with engine.connect() as conn:
        ids = list(conn.execute(select(outbox.c.message_id)).scalars())
        stored = {
            str(e)
            for e in conn.execute(
                select(events.c.event_id).where(events.c.type == "MailDelivered")
            ).scalars()
        }
    return {m for m in ids if str(event_id_for(m, "delivered")) in stored}


def received(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in messages)


async def test_projector_and_dispatcher_killed_mid_batch(
    processes: list[Process], tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    db_path = tmp_path / "store.db"
    url = f"sqlite:///{db_path}"
    engine = create_store_engine(url)
    migrate.upgrade(engine)
    smtp = SmtpServer()
    smtp.collector = SlowCollector()
    smtp.start()
    try:
        recorded = record_reminders(engine)
        names = app_projector(engine).names

        # -- the projector, killed twice inside a batch's transaction ----------------
        projector = Process("projector", ("project", "--interval", "0.2"), ascn_env(url),
                            tmp_path)  # fmt: skip
        processes.append(projector)
        mid_batch = 0
        for _ in range(PROJECTOR_KILLS):
            projector.start()
            await eventually(
                lambda: asyncio.to_thread(writing, db_path), what="a batch to begin", within=60
            )
            await asyncio.sleep(rng.uniform(0.0, 0.1))
            mid_batch += writing(db_path)
            projector.kill()
            assert not projected_to_head(engine, names)
        assert mid_batch >= 1, "no kill landed inside a batch"
        projector.start()
        await eventually(
            lambda: asyncio.to_thread(projected_to_head, engine, names),
            what="the read models to catch up", within=120,
        )  # fmt: skip
        assert projector.terminate() == 0, projector.log()
        with engine.connect() as conn:
            mails = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        assert mails == MAIL_STEPS * len(MAILED)

        # -- the dispatcher, killed three times while it sends ----------------------
        env = ascn_env(url, ASCN_SMTP_HOST="127.0.0.1", ASCN_SMTP_PORT=str(smtp.port),
                       ASCN_SMTP_TLS="none")  # fmt: skip
        dispatcher = Process("dispatcher", ("mail", "dispatch", "--interval", "1"), env,
                             tmp_path)  # fmt: skip
        processes.append(dispatcher)

        async def sending(more: int) -> None:
            """Until ``more`` mails more than now have been received."""
            target = len(smtp.messages) + more

            async def arrived() -> bool:
                return len(smtp.messages) >= target

            await eventually(arrived, what=f"{more} more mails to go out", within=60)

        for _ in range(DISPATCHER_KILLS):
            dispatcher.start()
            await sending(rng.randint(1, 5))
            dispatcher.kill()
        # Stopped politely in the middle of a pass: the mail being sent is recorded.
        dispatcher.start()
        await sending(3)
        stopping = time.monotonic()
        assert dispatcher.terminate() == 0, dispatcher.log()
        assert time.monotonic() - stopping < STOPS_WITHIN_S
        assert set(received(smtp.messages)) == delivered_recorded(engine)
        assert len(delivered_recorded(engine)) < mails, "the pass had ended before the SIGTERM"

        dispatcher.start()

        async def all_out() -> bool:
            return len(await asyncio.to_thread(delivered_recorded, engine)) == mails

        await eventually(all_out, what="every mail to go out", within=120)
        assert dispatcher.terminate() == 0, dispatcher.log()
    finally:
        smtp.stop()
        engine.dispose()

    counts = received(smtp.messages)
    with create_store_engine(url).connect() as conn:
        queued = set(conn.execute(select(outbox.c.message_id)).scalars())
    assert set(counts) == queued
    twice = {m: n for m, n in counts.items() if n > 1}
    assert all(n == 2 for n in twice.values()), twice
    assert len(twice) <= DISPATCHER_KILLS, twice
    print(f"mails: {mails}; received twice (the documented window): {len(twice)}")
    expected = {"CycleOpened": 1, "StepOpened": MAIL_STEPS + FILLER_STEPS,
                "ReminderSent": MAIL_STEPS + FILLER_STEPS, "MailDelivered": mails,
                "MailFailed": 0}  # fmt: skip
    exported = assert_store_sound(url, tmp_path, expected)
    assert len(exported) == recorded + mails
