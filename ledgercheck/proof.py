"""A proof that one event is in the ledger, and its check: no database involved.

The proof file is JSON (``FORMAT``): the event as recorded, its hash and its leaf
index in the global log, the audit path to the root of a signed checkpoint, the
checkpoint, its Ed25519 signature and the public key that made it. ``check``
recomputes the event's hash from what it states, the leaf, the root through the
path, and the signature; every step that fails is named.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import merkle
from domain.hashing import canonical_json, event_hash
from ledgercheck.checkpoint import Checkpoint, is_trusted, key_id, read_signed, signature_holds

FORMAT = "ascn-ledger-proof/v1"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check found. ``ok``: every step holds, so the proof is consistent in itself;
    anyone can make such a proof with a key of their own. ``verified``: ok, and signed
    by a key the caller said it trusts; only that says the secretariat signed it."""

    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    # The raw public keys the proof says signed it, once each, in order.
    signers: list[bytes] = field(default_factory=list)
    # Whether the check was given the keys to trust (and so checked the signers against them).
    pinned: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verified(self) -> bool:
        return self.ok and self.pinned and bool(self.signers)


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


def untrusted(public_key: bytes, what: str = "the checkpoint") -> str:
    return (
        f"{what} is signed by key {key_id(public_key)} (public key {public_key.hex()}), "
        "which is not among the trusted keys"
    )


def check(document: dict[str, Any], *, trusted_keys: Collection[str] | None) -> Verdict:
    """Check a proof. ``trusted_keys``: the public keys or key ids (hex, as
    ``checkpoint.trusted_key`` normalises them) that may have signed it; None checks the
    proof's consistency only, and the verdict is then never ``verified``."""
    problems: list[str] = []
    facts: list[str] = []
    try:
        if document.get("format") != FORMAT:
            return Verdict([f"not an {FORMAT} document"])
        checkpoint, signature, public_key = read_signed(document)
        digest = str(document["event_hash"])
        index = int(document["leaf_index"])
        path = [bytes.fromhex(step) for step in document["audit_path"]]
        root = bytes.fromhex(checkpoint.root_hash)
        leaf = merkle.event_leaf(digest)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return Verdict([f"the proof does not parse: {error!r}"])

    event = document.get("event")
    if event is None:
        problems.append(
            "the proof holds no event: it could show only that some hash is in the ledger, "
            "not which fact it is"
        )
    else:
        try:
            stated = recomputed_hash(event)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            problems.append(f"the event's fields do not parse: {error!r}")
        except RecursionError:
            problems.append("the event's data is nested too deeply to hash")
        else:
            if stated != digest:
                problems.append("the event as stated does not hash to the proof's event hash")
            else:
                facts.append(
                    f"event {event['event_id']} ({event['type']}, {event['stream_id']} "
                    f"v{event['version']}) hashes to {digest}"
                )
    if trusted_keys is not None and not is_trusted(public_key, trusted_keys):
        problems.append(untrusted(public_key))
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
    return Verdict(problems, facts, [public_key], pinned=trusted_keys is not None)


def _within_validity(document: dict[str, Any], checkpoint: Checkpoint) -> bool:
    try:
        start = document.get("key_valid_from")
        end = document.get("key_valid_until")
        if start is not None and checkpoint.signed_at < datetime.fromisoformat(start):
            return False
        return end is None or checkpoint.signed_at < datetime.fromisoformat(end)
    except (TypeError, ValueError):
        return False
