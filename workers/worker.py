"""The worker: the cycle workflow and its activities on one task queue."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.cycle import CycleActivities
from activities.ledger import LedgerActivities
from activities.membership import MembershipActivities
from activities.nominations import NominationActivities
from activities.planning import PlanningActivities
from activities.records import RecordsActivities
from domain.reference import ReferenceData
from eventstore.store import EventStore
from workflows import keyring
from workflows.cycle import CycleWorkflow
from workflows.records import RecordsWorkflow
from workflows.starter import CycleStarter


def create_worker(
    client: Client,
    store: EventStore,
    reference: ReferenceData,
    *,
    task_queue: str,
    executor: Executor,
    max_concurrent_activities: int,
    seal_keys: Mapping[str, bytes],
    ledger_key: Ed25519PrivateKey | None = None,
) -> Worker:
    """``max_concurrent_activities`` should match the executor's threads: activities are
    sync (SQLAlchemy), and each holds a thread while it runs. ``seal_keys``: the keys
    the cycle's validators accept seals under (the services' keyring). ``ledger_key``:
    signs a ledger checkpoint whenever a step completes (None: no checkpoints)."""
    keyring.install(seal_keys)
    cycle = CycleActivities(store)
    nominations = NominationActivities(store, reference)
    planning = PlanningActivities(reference, store)
    membership = MembershipActivities(store, reference)
    records = RecordsActivities(store, reference)
    checkpoints = LedgerActivities(store, ledger_key)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[CycleWorkflow, CycleStarter, RecordsWorkflow],
        activities=[
            cycle.record_fact,
            cycle.load_ledgers,
            nominations.submit_nominations,
            nominations.declare_nil_return,
            nominations.grant_exception,
            planning.plan_cycle,
            membership.record_change,
            membership.load,
            records.load,
            records.record,
            checkpoints.make_checkpoint,
        ],
        # The sandbox re-imports workflow modules per run; the keyring must be the one
        # module it shares with this process, or the validators would see no keys.
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(keyring.__name__)
        ),
        activity_executor=executor,
        max_concurrent_activities=max_concurrent_activities,
    )
