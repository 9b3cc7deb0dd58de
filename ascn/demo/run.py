"""`make demo`: the 2018 inaugural cycle, end to end, on the time-skipping server.

A worker runs in this process and records into the given store. The script of
human actions (nominations, the exception, approvals, one extension) is sent as
updates at their dates in 2018; the server skips the time in between, so the
whole year takes seconds. The cycle's clock is offset so that it reads 2018.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.testing import WorkflowEnvironment

from activities.working_days import with_civil_hours
from ascn.bootstrap import Services, cycle_deps, mail_transport
from ascn.calendar_files import packaged_calendar
from ascn.demo import records_2018
from ascn.demo import scenario_2018 as scenario
from ascn.embedded import STARTUP_TIMEOUT, test_server_path
from ascn.errors import UsageError
from ascn.ledger_keys import configured_key, key_or_new
from ascn.projections import catch_up_all
from ascn.runtime import QUIET
from ascn.timeline import print_summary, print_timeline
from domain.calendar import CyclePlan
from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore import ledger, migrate
from mail.dispatch import dispatch
from reports import publish
from services import cycles, reports
from services.commands import (
    AllowException,
    ApproveStep,
    DecideCity,
    DraftReport,
    ExtendDeadline,
    Nominate,
    ProposeCity,
    RecordDecision,
    SubmitReport,
    SubmitReportDraft,
)
from services.cycles import CycleDeps
from services.records import RecordsDeps, TemporalRecordsGateway
from services.sealing import Sealer
from workers.worker import create_worker
from workflows.cycle import CycleWorkflow, workflow_id
from workflows.messages import CycleInput, CycleStatus

THREADS = 8
REPORTS = Path(".ascn/reports")


async def run_demo(
    built: Services, reference: ReferenceData, console: Console, runtime: Runtime | None = None
) -> bool:
    """Run the cycle; print its timeline. True if the store verifies afterwards.
    ``runtime``: the command's own (``ascn.runtime``); None makes a quiet one."""
    migrate.upgrade(built.engine)
    # The 2018 calendar is data (domain/data/calendars/2018.yaml): the note's timeline with
    # the meetings' real dates; reminders at 09:00 on each reader's working day.
    plan = packaged_calendar(2018, reference).calendar.plan(reference)
    plan = with_civil_hours(plan, reference)
    recorded = {e.type for e in built.store.read_stream(cycle_stream(plan.year))}
    if "CycleCompleted" in recorded:
        console.print(f"The {plan.year} cycle is already in this store; here is its record.")
    elif recorded:
        raise DemoError(
            f"this store holds part of a {plan.year} cycle; run the demo on a fresh store "
            "(remove .ascn/ or pass --db)"
        )
    else:
        async with await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=test_server_path(),
            test_server_startup_timeout=STARTUP_TIMEOUT,
            data_converter=pydantic_data_converter,
            runtime=runtime or quiet_runtime(),
        ) as env:
            with console.status("running the 2018 cycle on the time-skipping server..."):
                await run_cycle(env, built, reference, plan, ledger_key=demo_ledger_key(built))
    # No projector runs beside the demo: it makes its own pass before it reads.
    catch_up_all(built.engine, built.contacts)
    print_timeline(built.store, console, plan)
    records_2018.print_records(built.engine, console)
    intact = print_summary(built, console, scenario.YEAR)
    print_last_checkpoint(built, console)
    write_report(built, console)
    settings = built.settings
    report = await dispatch(
        built.engine,
        mail_transport(settings),
        sender=settings.mail_from,
        contacts=built.contacts,
    )
    where = settings.outbox_dir if settings.smtp_host is None else settings.smtp_host
    console.print(
        f"mail: {len(report.sent)} reminders, escalations and digests sent to {where} "
        f"({report.queued} were queued, {len(report.failed)} failed)"
    )
    return intact


class DemoError(UsageError):
    pass


def demo_ledger_key(built: Services) -> Ed25519PrivateKey:
    """ASCN_LEDGER_KEY_PATH's key, or the default one under .ascn/ (written once), where
    `ascn ledger checkpoint` finds it too."""
    return configured_key(built.settings) or key_or_new(built.settings.ledger_key_file)


def print_last_checkpoint(built: Services, console: Console) -> None:
    with built.engine.connect() as conn:
        last = ledger.checkpoint(conn)
    if last is None:
        console.print("ledger: no checkpoint signed yet")
        return
    made = last.checkpoint
    console.print(
        f"ledger checkpoint {last.seq}: {made.tree_size} events, root {made.root_hash}, "
        f"key {made.key_id}",
        soft_wrap=True,
    )


def write_report(built: Services, console: Console) -> None:
    """The year's annual report, as HTML and PDF, beside the demo's store."""
    started = time.perf_counter()
    written = publish.write(built.store, built.reference, scenario.YEAR, REPORTS)
    where = " and ".join(str(path) for path in written.paths)
    took = time.perf_counter() - started
    console.print(
        f"report {scenario.YEAR}, {written.chosen.said}: wrote {where} in {took:.1f} s",
        soft_wrap=True,
    )


def quiet_runtime() -> Runtime:
    """The SDK core's own warnings about the test server's capabilities are noise here."""
    return Runtime(telemetry=QUIET)


async def run_cycle(
    env: WorkflowEnvironment,
    built: Services,
    reference: ReferenceData,
    plan: CyclePlan,
    *,
    ledger_key: Ed25519PrivateKey | None = None,
) -> CycleStatus:
    """The year on the test server, every human action sent through the services as the
    person named in the script, at the cycle's (offset) time. ``ledger_key`` signs a
    checkpoint whenever a step completes."""
    server_start = await env.get_current_time()
    offset = plan.steps[0].opens_at - timedelta(days=1) - server_start
    clock = DemoClock(server_start + offset)
    deps = cycle_deps(built, env.client, clock=clock.now)
    settings = built.settings
    records = RecordsDeps(
        gateway=TemporalRecordsGateway(env.client, settings.task_queue, clock_offset=offset),
        sealer=Sealer(settings.seal_keyring, clock.now), reference=reference,
    )  # fmt: skip
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        worker = create_worker(
            env.client, built.store, reference, task_queue=built.settings.task_queue, executor=pool,
            max_concurrent_activities=THREADS, seal_keys=built.settings.seal_keyring,
            ledger_key=ledger_key,
        )  # fmt: skip
        async with worker:
            cycle = CycleInput(plan=plan, reference=reference, clock_offset=offset)
            await deps.gateway.start_cycle(cycle, scenario.SHEPHERD)
            script: list[scenario.Action | records_2018.Action] = [
                *scenario.actions(reference), *records_2018.actions(),
            ]  # fmt: skip
            for action in sorted(script, key=lambda a: a.at):
                now = await env.get_current_time() + offset
                if action.at > now:
                    await env.sleep(action.at - now)
                clock.moment = await env.get_current_time() + offset
                if isinstance(action, records_2018.Action):
                    await records_2018.send(records, action)
                else:
                    await send(deps, action)
            handle = env.client.get_workflow_handle_for(CycleWorkflow.run, workflow_id(plan.year))
            return await handle.result()


class DemoClock:
    """The services' clock during the demo: the cycle's 2018, not today."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


async def send(deps: CycleDeps, action: scenario.Action) -> None:
    command, actor = action.command, action.actor
    if isinstance(command, Nominate):
        await cycles.nominate(command, actor, deps)
    elif isinstance(command, AllowException):
        await cycles.allow_exception(command, actor, deps)
    elif isinstance(command, ExtendDeadline):
        await cycles.extend_deadline(command, actor, deps)
    elif isinstance(command, ApproveStep):
        await cycles.approve_step(command, actor, deps)
    elif isinstance(command, RecordDecision):
        await cycles.record_decision(command, actor, deps)
    elif isinstance(command, SubmitReport):
        await cycles.submit_report(command, actor, deps)
    elif isinstance(command, ProposeCity):
        await cycles.propose_city(command, actor, deps)
    elif isinstance(command, DecideCity):
        await cycles.decide_city(command, actor, deps)
    elif isinstance(command, DraftReport):
        await reports.draft_report(command, actor, deps)
    elif isinstance(command, SubmitReportDraft):
        await reports.submit_report_draft(command, actor, deps)
