"""The composition root: builds engines and services from settings and hands them out.

Nothing else in the project creates an engine or reads the environment.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.runtime import Runtime

from api.pages import WebConfig
from ascn.errors import TemporalUnreachable
from ascn.ledger_keys import configured_key
from ascn.logging import configure_logging
from ascn.payload_codec import AesGcmCodec, encrypted_converter
from ascn.settings import Settings
from domain.contacts import Contacts
from domain.reference import ReferenceData
from eventstore.engine import create_store_engine
from eventstore.store import EventStore
from mail.transport import FileTransport, SmtpTransport, Transport
from services.cycles import CycleDeps
from services.gateway import TemporalCycleGateway
from services.records import RecordsDeps, TemporalRecordsGateway
from services.report_fingerprint import StoreFingerprint
from services.sealing import Sealer
from workers.preflight import require_migrated, require_running_cycles_streams
from workers.worker import create_worker

# Activities are sync (SQLAlchemy): each holds one of these threads while it runs.
WORKER_THREADS = 16


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    store: EventStore
    reference: ReferenceData
    contacts: Contacts
    """Both loaded once here and handed to whoever needs them."""


def configure(settings: Settings) -> None:
    configure_logging(level=settings.log_level, fmt=settings.resolved_log_format)


@contextmanager
def services(
    settings: Settings, *, create: bool = False, read_only: bool = False
) -> Iterator[Services]:
    """``create``: make a new embedded database if there is none (migrate, demo).
    ``read_only``: the commands that only read the store (verify, export), so that they
    work on a read-only copy."""
    engine = create_store_engine(settings.db_url, must_exist=not create, read_only=read_only)
    try:
        yield Services(
            settings=settings, engine=engine, store=EventStore(engine),
            reference=ReferenceData.load(), contacts=Contacts.load(),
        )  # fmt: skip
    finally:
        engine.dispose()


async def connect_client(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    """Every client (CLI, API, `ascn up`, worker, schedules) encrypts its payloads, so
    what Temporal stores is ciphertext; a worker's client decrypts what it is sent.
    ``runtime``: the command's own (``ascn.runtime``); None is the SDK's default."""
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=encrypted_converter(settings.payload_keyring),
            runtime=runtime,
        )
    except RuntimeError as error:  # the SDK says only "Failed client connect: <tonic>"
        raise TemporalUnreachable(
            f"cannot reach Temporal at {settings.temporal_address} (ASCN_TEMPORAL_ADDRESS): "
            f"{str(error).splitlines()[0][:300]}"
        ) from None


def payload_codec(settings: Settings) -> AesGcmCodec:
    """The codec on its own, for the codec endpoint the Temporal web UI calls."""
    return AesGcmCodec(settings.payload_keyring)


async def serve_worker(
    settings: Settings, *, threads: int = WORKER_THREADS, runtime: Runtime | None = None
) -> None:
    """Run the worker until SIGINT or SIGTERM, then drain it and stop. It refuses to start
    on a store that is not migrated, or that lacks the facts of a running cycle."""
    log = structlog.get_logger("ascn.worker")
    ledger_key = configured_key(settings)
    with services(settings) as built, ThreadPoolExecutor(max_workers=threads) as pool:
        require_migrated(built.engine)
        client = await connect_client(settings, runtime=runtime)
        await require_running_cycles_streams(client, built.store)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        worker = create_worker(
            client, built.store, built.reference, task_queue=settings.task_queue,
            executor=pool, max_concurrent_activities=threads,
            seal_keys=settings.seal_keyring, ledger_key=ledger_key,
        )  # fmt: skip
        if ledger_key is None:
            log.warning("no ASCN_LEDGER_KEY_PATH: completed steps get no signed ledger checkpoint")
        async with worker:
            log.info(
                "worker started",
                task_queue=settings.task_queue,
                temporal=settings.temporal_address,
                namespace=settings.temporal_namespace,
            )
            await stop.wait()
            log.info("worker stopping")
    log.info("worker stopped")


def utc_now() -> datetime:
    return datetime.now(UTC)


def cycle_deps(
    built: Services, client: Client, *, clock: Callable[[], datetime] = utc_now
) -> CycleDeps:
    """The cycle use cases over this Temporal client: the only way to a cycle."""
    settings = built.settings
    return CycleDeps(
        gateway=TemporalCycleGateway(
            client, settings.task_queue, search_attributes=settings.search_attributes
        ),
        sealer=Sealer(settings.seal_keyring, clock),
        reference=built.reference,
        store=built.store,
        # A new draft of the report: its position in the log and its SHA-256, as
        # `GET /v1/cycles/{year}/report/{version}` will rebuild and check it.
        fingerprint=StoreFingerprint(built.store, built.reference),
    )


def web_config(settings: Settings, contacts: Contacts) -> WebConfig:
    """The pages' settings: sign-in mail through the mail transport, links to base_url,
    Secure cookies outside development."""
    extra = (
        {} if settings.web_secret is None else {"secret": settings.web_secret.get_secret_value()}
    )
    return WebConfig(
        base_url=settings.base_url, transport=mail_transport(settings), contacts=contacts,
        mail_from=settings.mail_from, secure_cookies=settings.env == "production",
        session_ttl=timedelta(hours=settings.session_hours), **extra,
    )  # fmt: skip


def records_deps(
    built: Services, client: Client, *, clock: Callable[[], datetime] = utc_now
) -> RecordsDeps:
    """The action plans' and partners' use cases over this Temporal client."""
    settings = built.settings
    return RecordsDeps(
        gateway=TemporalRecordsGateway(client, settings.task_queue),
        sealer=Sealer(settings.seal_keyring, clock),
        reference=built.reference,
    )


def mail_transport(settings: Settings) -> Transport:
    """SMTP when a host is set; otherwise each mail becomes an .eml file in the outbox."""
    if settings.smtp_host is None:
        return FileTransport(Path(settings.outbox_dir))
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpTransport(
        settings.smtp_host, settings.smtp_port, tls=settings.smtp_tls,
        username=settings.smtp_username, password=password,
    )  # fmt: skip
