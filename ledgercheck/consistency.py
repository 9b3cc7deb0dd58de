"""A proof that one signed checkpoint's log is a prefix of a later one's, and its check.

The proof file is JSON (``FORMAT``): two signed checkpoints (each with its signature
and the public key that made it) and the RFC 9162 consistency path from the older
tree to the newer. ``check`` verifies both signatures and the path; it needs no
database, so a member state that kept an older checkpoint can see that nothing it
signed was removed, reordered or rewritten since.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from domain import merkle
from ledgercheck.checkpoint import is_trusted, read_signed, signature_holds
from ledgercheck.proof import Verdict, untrusted

FORMAT = "ascn-ledger-consistency/v1"


def proof_document(
    older: dict[str, Any], newer: dict[str, Any], path: list[bytes]
) -> dict[str, Any]:
    """``older`` and ``newer``: checkpoint documents (ledgercheck.checkpoint.document)."""
    return {
        "format": FORMAT,
        "older": older,
        "newer": newer,
        "consistency_path": [step.hex() for step in path],
    }


def check(proof: dict[str, Any], *, trusted_keys: Collection[str] | None) -> Verdict:
    """Check a consistency proof. ``trusted_keys``: the public keys or key ids (hex) that
    may have signed either checkpoint; None checks the proof's consistency only, and the
    verdict is then never ``verified``."""
    problems: list[str] = []
    facts: list[str] = []
    try:
        if proof.get("format") != FORMAT:
            return Verdict([f"not an {FORMAT} document"])
        old, old_signature, old_key = read_signed(proof["older"])
        new, new_signature, new_key = read_signed(proof["newer"])
        path = [bytes.fromhex(step) for step in proof["consistency_path"]]
        old_root, new_root = bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return Verdict([f"the proof does not parse: {error!r}"])
    for name, made, signature, public in (
        ("older", old, old_signature, old_key),
        ("newer", new, new_signature, new_key),
    ):
        if trusted_keys is not None and not is_trusted(public, trusted_keys):
            problems.append(untrusted(public, f"the {name} checkpoint"))
        if signature_holds(made, signature, public):
            facts.append(
                f"{name} checkpoint of {made.tree_size} events signed at "
                f"{made.signed_at.isoformat()} by key {made.key_id}"
            )
        else:
            problems.append(f"the {name} checkpoint's signature does not hold for its key")
    if merkle.verify_consistency(old.tree_size, new.tree_size, old_root, new_root, path):
        facts.append(
            f"the first {old.tree_size} events under root {old.root_hash} are the first "
            f"{old.tree_size} of the {new.tree_size} under root {new.root_hash}"
        )
    else:
        problems.append(
            f"the consistency path does not lead from the tree of {old.tree_size} events "
            f"to the tree of {new.tree_size}: the log was not only appended to in between"
        )
    signers = list(dict.fromkeys((old_key, new_key)))
    return Verdict(problems, facts, signers, pinned=trusted_keys is not None)
