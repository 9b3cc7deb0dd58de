"""A proof that one event is in the ledger, and its check: no database involved.

The proof file is JSON (``FORMAT``): the event as recorded, its hash and its leaf
index in the global log, the audit path to the root of a signed checkpoint, the
checkpoint, its Ed25519 signature and the public key that made it. ``check``
recomputes the event's hash from what it states, the leaf, the root through the
path, and the signature; every step that fails is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import merkle
from domain.hashing import canonical_json, event_hash
from ledgercheck.checkpoint import Checkpoint, key_id, read_signed, signature_holds

FORMAT = "ascn-ledger-proof/v1"


@dataclass(frozen=True, slots=True)
class Verdict:
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def recomputed_hash(event: dict[str, Any]) -> str:
    return event_hash(
        prev_hash=event["prev_hash"],
        stream_id=event["stream_id"],
        version=int(event["version"]),
        event_id=UUID(event["event_id"]),
        type=event["type"],
        schema_version=int(event["schema_version"]),
        occurred_at=datetime.fromisoformat(event["occurred_at"]),
        actor=event["actor"],
        data_json=canonical_json(event["data"]),
    )


def check(document: dict[str, Any], *, trusted_keys: set[str] | None = None) -> Verdict:
    """Check a proof; ``trusted_keys`` (hex public keys) pins who may have signed it."""
    verdict = Verdict()
    problems, facts = verdict.problems, verdict.facts
    try:
        if document.get("format") != FORMAT:
            return Verdict([f"not an {FORMAT} document"])
        checkpoint, signature, public_key = read_signed(document)
        digest = str(document["event_hash"])
        index = int(document["leaf_index"])
        path = [bytes.fromhex(step) for step in document["audit_path"]]
        root = bytes.fromhex(checkpoint.root_hash)
        leaf = merkle.event_leaf(digest)
    except (KeyError, TypeError, ValueError) as error:
        return Verdict([f"the proof does not parse: {error!r}"])

    event = document.get("event")
    if event is not None:
        try:
            stated = recomputed_hash(event)
        except (KeyError, TypeError, ValueError) as error:
            problems.append(f"the event's fields do not parse: {error!r}")
        else:
            if stated != digest:
                problems.append("the event as stated does not hash to the proof's event hash")
            else:
                facts.append(
                    f"event {event['event_id']} ({event['type']}, {event['stream_id']} "
                    f"v{event['version']}) hashes to {digest}"
                )
    if trusted_keys is not None and public_key.hex() not in trusted_keys:
        problems.append(f"the checkpoint is signed by key {key_id(public_key)}, not a trusted one")
    if not signature_holds(checkpoint, signature, public_key):
        problems.append("the checkpoint's signature does not hold for the key in the proof")
    else:
        facts.append(
            f"checkpoint of {checkpoint.tree_size} events signed at "
            f"{checkpoint.signed_at.isoformat()} by key {checkpoint.key_id}"
        )
    if not _within_validity(document, checkpoint):
        problems.append("the checkpoint was signed outside its key's period of validity")
    if not merkle.verify_inclusion(index, checkpoint.tree_size, leaf, path, root):
        problems.append(f"the audit path does not lead from leaf {index} to the checkpoint's root")
    else:
        facts.append(f"leaf {index} of {checkpoint.tree_size} is under root {checkpoint.root_hash}")
    return verdict


def _within_validity(document: dict[str, Any], checkpoint: Checkpoint) -> bool:
    try:
        start = document.get("key_valid_from")
        end = document.get("key_valid_until")
        if start is not None and checkpoint.signed_at < datetime.fromisoformat(start):
            return False
        return end is None or checkpoint.signed_at < datetime.fromisoformat(end)
    except (TypeError, ValueError):
        return False
