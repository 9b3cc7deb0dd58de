"""A signed checkpoint of the ledger, made when a step of a cycle completes.

The activity catches the Merkle tree up with the log (so the checkpoint covers the
fact just recorded), then signs it. It is idempotent: the checkpoint is kept under
the request's key, and a retried or replayed request gets the first one back. A
worker without a signing key (ASCN_LEDGER_KEY_PATH) makes none and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field
from temporalio import activity

from activities.logging import activity_logger
from eventstore import ledger
from eventstore.store import EventStore


class CheckpointRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str = Field(min_length=1, max_length=300)


class CheckpointMade(BaseModel):
    model_config = ConfigDict(frozen=True)

    signed: bool
    """False: this worker has no signing key, so no checkpoint was made."""
    seq: int | None = None
    tree_size: int | None = None
    root_hash: str | None = None
    key_id: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class LedgerActivities:
    def __init__(
        self,
        store: EventStore,
        signing_key: Ed25519PrivateKey | None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = store.engine
        self._key = signing_key
        self._clock = clock

    @activity.defn(name="make_ledger_checkpoint")
    def make_checkpoint(self, request: CheckpointRequest) -> CheckpointMade:
        log = activity_logger(request=request.idempotency_key)
        if self._key is None:
            log.warning("no ledger checkpoint: this worker has no signing key")
            return CheckpointMade(signed=False)
        signed = ledger.record_checkpoint(
            self._engine, self._key, self._clock(), request_key=request.idempotency_key
        )
        made = signed.checkpoint
        log.info("ledger checkpoint", seq=signed.seq, tree_size=made.tree_size, key_id=made.key_id)
        return CheckpointMade(
            signed=True,
            seq=signed.seq,
            tree_size=made.tree_size,
            root_hash=made.root_hash,
            key_id=made.key_id,
        )
