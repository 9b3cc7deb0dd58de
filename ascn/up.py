"""`ascn up`: the whole stack on the embedded defaults, in one process tree.

The Temporal dev server runs as a child process; the worker, the HTTP API, the
projector (the read models and the mail outbox) and the mail dispatcher run in this
process. Everything it keeps lives under its data folder (``--data-dir``, default
``.ascn``): Temporal's database, the SQLite event store, the outbox's .eml files and
the key that signs ledger checkpoints (``ledger.key``, written on the first start),
unless ASCN_DB_URL, ASCN_OUTBOX_DIR or ASCN_LEDGER_KEY_PATH names another place.
Temporal's state and the store must stay together: started from another folder with
the store elsewhere, Temporal would resume its cycles against an empty store (the
worker refuses that).
Ctrl-C (or SIGTERM) stops the API, lets the projector finish its pass, drains the
worker and stops the server. Starting again resumes every cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import uvicorn
from temporalio.runtime import Runtime

from api.app import create_app
from ascn.bootstrap import (
    WORKER_THREADS,
    Services,
    connect_client,
    cycle_deps,
    mail_transport,
    payload_codec,
    records_deps,
    services,
    web_config,
)
from ascn.devserver import dev_server
from ascn.ledger_keys import key_or_new
from ascn.projections import app_projector
from ascn.settings import Settings
from eventstore import migrate
from eventstore.projector import DEFAULT_INTERVAL_S
from mail.dispatch import dispatch
from workers.preflight import require_running_cycles_streams
from workers.worker import create_worker


@dataclass(frozen=True)
class Ports:
    temporal: int = 7233
    temporal_ui: int = 8233
    api: int = 8000
    host: str = "127.0.0.1"


MAIL_INTERVAL_S = 60.0
PROJECT_INTERVAL_S = DEFAULT_INTERVAL_S


def mail_target(settings: Settings) -> str:
    return settings.smtp_host or f"{settings.outbox_dir}/ (.eml files)"


async def send_mail_every(interval: float, built: Services, settings: Settings) -> None:
    """The dispatcher, in a thread of its own: its store access is synchronous."""
    transport = mail_transport(settings)
    while True:
        await asyncio.to_thread(
            asyncio.run,
            dispatch(
                built.engine,
                transport,
                sender=settings.mail_from,
                contacts=built.contacts,
                base_url=settings.base_url,
            ),
        )
        await asyncio.sleep(interval)


class EmbeddedApiServer(uvicorn.Server):
    """uvicorn without its own signal handling: `ascn up` owns SIGINT and SIGTERM."""

    def capture_signals(self) -> AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


def embedded_settings(settings: Settings, data_dir: Path, ports: Ports | None = None) -> Settings:
    """The store, the outbox and the ledger's signing key under ``data_dir`` (made
    absolute by the caller, so that no later change of folder moves them), unless a
    setting names them. A key that is not there yet is written on the first start.
    The pages' base URL (sign-in and reminder links) is where this process serves them,
    ``http://<host>:<api port>``, unless ASCN_BASE_URL names another."""
    owned: dict[str, str] = {}
    if ports is not None and "base_url" not in settings.model_fields_set:
        owned["base_url"] = f"http://{ports.host}:{ports.api}"
    if "db_url" not in settings.model_fields_set:
        owned["db_url"] = f"sqlite:///{data_dir / 'ascn.db'}"
    if "outbox_dir" not in settings.model_fields_set:
        owned["outbox_dir"] = str(data_dir / "outbox")
    if "ledger_key_path" not in settings.model_fields_set:
        owned["ledger_key_path"] = str(data_dir / "ledger.key")
    return settings.model_copy(update=owned)


async def run_up(
    settings: Settings,
    data_dir: Path,
    ports: Ports,
    announce: Callable[[str], None],
    runtime: Runtime | None = None,
) -> None:
    """``runtime``: the command's own Temporal runtime (``ascn.runtime``)."""
    settings = embedded_settings(settings, data_dir, ports)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with dev_server(
        data_dir, ip=ports.host, port=ports.temporal, ui_port=ports.temporal_ui, runtime=runtime
    ) as server:
        # The dev server registers the cycle's search attributes; every start (the API,
        # a Schedule) finds them there, as it would on any namespace that has them.
        settings = settings.model_copy(update={"temporal_address": server.address})
        client = await connect_client(settings, runtime=runtime)
        with (
            services(settings, create=True) as built,
            ThreadPoolExecutor(max_workers=WORKER_THREADS) as pool,
        ):
            migrate.upgrade(built.engine)
            await require_running_cycles_streams(client, built.store)
            worker = create_worker(
                client, built.store, built.reference, task_queue=settings.task_queue,
                executor=pool, max_concurrent_activities=WORKER_THREADS,
                seal_keys=settings.seal_keyring,
                ledger_key=key_or_new(Path(settings.ledger_key_path or data_dir / "ledger.key")),
            )  # fmt: skip
            # The UI this process serves may be on a port of the caller's choosing.
            origins = dict.fromkeys([*settings.codec_cors_origin_list, server.ui])
            app = create_app(
                engine=built.engine, cycles=cycle_deps(built, client),
                records=records_deps(built, client), codec=payload_codec(settings),
                codec_origins=list(origins),
                token_ttl=timedelta(days=settings.token_ttl_days),
                auth_failure_limit=settings.auth_failure_limit,
                production=settings.env == "production",
                web=web_config(settings, built.contacts),
            )  # fmt: skip
            api = EmbeddedApiServer(
                uvicorn.Config(
                    app,
                    host=ports.host, port=ports.api, log_config=None, lifespan="on",
                )
            )  # fmt: skip
            async with worker:
                serving = asyncio.create_task(api.serve())
                projecting = asyncio.create_task(
                    app_projector(built.engine, built.contacts).run_async(
                        stop, interval=PROJECT_INTERVAL_S
                    )
                )
                mailing = asyncio.create_task(send_mail_every(MAIL_INTERVAL_S, built, settings))
                announce(f"Temporal    {server.address}  (state in {server.database})")
                announce(f"Temporal UI {server.ui}")
                announce(f"worker      task queue {settings.task_queue}")
                announce(f"HTTP API    http://{ports.host}:{ports.api}  (OpenAPI at /docs)")
                announce(f"web pages   http://{ports.host}:{ports.api}/app  (sign-in by mail)")
                announce(f"codec       http://{ports.host}:{ports.api}/codec  (admin token)")
                announce(f"event store {built.engine.url.render_as_string(hide_password=True)}")
                announce(f"projector   every {PROJECT_INTERVAL_S:g} s (read models, mail outbox)")
                announce(f"mail        every {MAIL_INTERVAL_S:.0f} s to {mail_target(settings)}")
                announce("Ctrl-C stops everything; starting again resumes where it left off.")
                await asyncio.wait(
                    [serving, asyncio.create_task(stop.wait())],
                    return_when=asyncio.FIRST_COMPLETED,
                )
                api.should_exit = True
                stop.set()
                mailing.cancel()
                await serving
                await projecting
    announce("stopped")
