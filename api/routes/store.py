"""The event store itself: paging through every fact, checking the hash chains, and
the ledger's signed checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.auth import may
from api.context import Context
from api.models import BrokenLinkOut, VerifyOut
from api.problems import problem_responses
from domain.access import Action
from domain.actors import Actor
from eventstore import ledger
from eventstore.records import RecordedEvent
from eventstore.verify import verify_store

router = APIRouter(prefix="/v1", tags=["store"])

MAX_POSITION = 2**63 - 1
"""Positions are 64-bit integers in both databases; a larger ``after`` is a 422."""
Auditor = Annotated[Actor, Depends(may(Action.READ_EVENTS))]


class EventsPage(BaseModel):
    events: list[RecordedEvent]
    next_after: int
    """Pass as ``after`` for the next page; equal to ``after`` when nothing is newer."""


@router.get("/events", response_model=EventsPage, responses=problem_responses(401, 403, 422))
def read_events(
    _: Auditor,
    context: Context,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="The last position already read.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventsPage:
    """Every event in global position order, one page at a time."""
    page = context.store.read_all(after_position=after, limit=limit)
    return EventsPage(events=page, next_after=page[-1].position if page else after)


@router.post("/verify", response_model=VerifyOut, responses=problem_responses(401, 403))
def verify(_: Auditor, context: Context) -> VerifyOut:
    """Walk every stream's hash chain; ``broken`` names the first broken link."""
    report = verify_store(context.store)
    broken = report.broken
    return VerifyOut(
        ok=report.ok,
        events_checked=report.events_checked,
        streams_checked=report.streams_checked,
        broken=None
        if broken is None
        else BrokenLinkOut(
            stream_id=broken.stream_id,
            version=broken.version,
            position=broken.position,
            reason=broken.reason,
        ),
    )


class CheckpointOut(BaseModel):
    seq: int
    tree_size: int
    root_hash: str
    """Hex SHA-256 root of the Merkle tree over the first ``tree_size`` events (RFC 9162)."""
    signed_at: datetime
    key_id: str
    signature: str
    """Hex Ed25519 signature of the checkpoint's text (ledgercheck/checkpoint.py)."""


class SigningKeyOut(BaseModel):
    key_id: str
    public_key: str
    """The raw 32-byte Ed25519 public key, hex."""
    valid_from: datetime
    valid_until: datetime | None


class CheckpointsOut(BaseModel):
    checkpoints: list[CheckpointOut]
    keys: list[SigningKeyOut]


@router.get(
    "/ledger/checkpoints", response_model=CheckpointsOut, responses=problem_responses(401, 403)
)
def ledger_checkpoints(_: Auditor, context: Context) -> CheckpointsOut:
    """Every signed checkpoint of the ledger, oldest first, with the keys that signed them."""
    with context.store.engine.connect() as conn:
        signed = ledger.checkpoints(conn)
        keys = ledger.signing_keys(conn)
    return CheckpointsOut(
        checkpoints=[
            CheckpointOut(
                seq=item.seq,
                tree_size=item.checkpoint.tree_size,
                root_hash=item.checkpoint.root_hash,
                signed_at=item.checkpoint.signed_at,
                key_id=item.checkpoint.key_id,
                signature=item.signature.hex(),
            )
            for item in signed
        ],
        keys=[
            SigningKeyOut(
                key_id=key.key_id,
                public_key=key.public_key.hex(),
                valid_from=key.valid_from,
                valid_until=key.valid_until,
            )
            for key in keys
        ],
    )
