"""The ledger: a signing key, signed checkpoints of the Merkle tree over the log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ascn.bootstrap import services
from ascn.cli.common import DbOption, group, load, log
from ascn.errors import UsageError
from ascn.ledger_keys import configured_key, write_new_key
from ascn.settings import Settings
from eventstore import ledger
from ledgercheck import consistency, proof
from ledgercheck.checkpoint import document, raw_public_key

ledger_app = group("The ledger: signed checkpoints and proofs anyone can check.")


@ledger_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Where to write the private key (PEM).")],
) -> None:
    """Write a new Ed25519 signing key, readable by its owner only (0600); point
    ASCN_LEDGER_KEY_PATH at it. The key itself is never printed or logged. To rotate,
    make a new one and point the setting at it: the first checkpoint it signs ends the
    old key's period (`ascn ledger keys` lists them)."""
    typer.echo(f"wrote {out}; key id {write_new_key(out)}")


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    key = configured_key(settings)
    if key is None:
        raise UsageError("no signing key: set ASCN_LEDGER_KEY_PATH (ascn ledger keygen makes one)")
    return key


@ledger_app.command("keys")
def keys(db: DbOption = None) -> None:
    """The public keys that have signed checkpoints, each with its period of validity."""
    with services(load(db), read_only=True) as built, built.engine.connect() as conn:
        known = ledger.signing_keys(conn)
    if not known:
        typer.echo("no key has signed a checkpoint yet")
    for key in known:
        until = "now" if key.valid_until is None else key.valid_until.isoformat()
        typer.echo(
            f"key {key.key_id}  public {key.public_key.hex()}  "
            f"valid {key.valid_from.isoformat()} .. {until}"
        )


@ledger_app.command("checkpoint")
def checkpoint(
    db: DbOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Also write it here (JSON), for `ascn verify --checkpoint`."),
    ] = None,
) -> None:
    """Bring the tree up to the log's head, sign its size and root, keep the checkpoint."""
    settings = load(db)
    key = signing_key(settings)
    with services(settings) as built:
        signed = ledger.record_checkpoint(built.engine, key, datetime.now(UTC))
    made = signed.checkpoint
    if out is not None:
        written = document(made, signed.seq, signed.signature, raw_public_key(key))
        out.write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
    log.info("ledger checkpoint", seq=signed.seq, tree_size=made.tree_size, key_id=made.key_id)
    typer.echo(f"checkpoint {signed.seq}: size {made.tree_size}, root {made.root_hash}")


@ledger_app.command("extend")
def extend(db: DbOption = None) -> None:
    """Bring the Merkle tree up to the log's head (the projector's loop does this too)."""
    with services(load(db)) as built:
        added = ledger.extend(built.engine)
        with built.engine.connect() as conn:
            size = ledger.tree_size(conn)
    typer.echo(f"ledger: {added} events added; the tree holds {size}")


@ledger_app.command("prove")
def prove(
    out: Annotated[Path, typer.Option("--out", help="Where to write the proof (JSON).")],
    event_id: Annotated[
        UUID | None, typer.Option("--event-id", help="The event to prove is in the ledger.")
    ] = None,
    checkpoint_seq: Annotated[
        int | None,
        typer.Option("--checkpoint", help="With --event-id: checkpoint number (default: newest)."),
    ] = None,
    older: Annotated[
        int | None, typer.Option("--from", help="A consistency proof from this checkpoint...")
    ] = None,
    newer: Annotated[int | None, typer.Option("--to", help="...to this later one.")] = None,
    db: DbOption = None,
) -> None:
    """Write a proof that anyone can check with `ascn ledger check`, without the database:
    that an event is in the ledger under a signed checkpoint (--event-id), or that a
    later checkpoint's log extends an earlier one's (--from N --to M)."""
    consistency = older is not None or newer is not None
    if consistency == (event_id is not None):
        raise UsageError("give either --event-id, or --from and --to (checkpoint numbers)")
    if consistency and (older is None or newer is None):
        raise UsageError("a consistency proof needs both --from and --to (checkpoint numbers)")
    if consistency and checkpoint_seq is not None:
        raise UsageError("--checkpoint goes with --event-id; a consistency proof names --from/--to")
    with services(load(db), read_only=True) as built:
        try:
            if older is not None and newer is not None:
                written = ledger.prove_consistency(built.engine, older, newer)
            else:
                assert event_id is not None
                written = ledger.prove(built.engine, event_id, checkpoint_seq)
        except ledger.CannotProve as error:
            raise UsageError(str(error)) from None
    out.write_text(json.dumps(written, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if "older" in written:
        typer.echo(
            f"wrote {out}: checkpoint {older} ({written['older']['checkpoint']['tree_size']} "
            f"events) to checkpoint {newer} ({written['newer']['checkpoint']['tree_size']})"
        )
        return
    made = written["checkpoint"]
    typer.echo(
        f"wrote {out}: leaf {written['leaf_index']} of {made['tree_size']}"
        f" (checkpoint {made['seq']})"
    )


@ledger_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="A proof written by `ascn ledger prove`.")],
    trusted_keys: Annotated[
        list[str] | None,
        typer.Option("--trusted-key", help="A public key (hex) you trust; repeat for more."),
    ] = None,
) -> None:
    """Check a proof on its own, with no database: an inclusion proof (the event's hash,
    the audit path to the signed root, the signature) or a consistency proof (both
    signatures, the path from the older tree to the newer). Exit 1 if any step fails."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read {file}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{file} is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise UsageError(f"{file} is not a proof: a JSON object is expected")
    trusted = None if not trusted_keys else {key.lower() for key in trusted_keys}
    is_consistency = document.get("format") == consistency.FORMAT
    check_it = consistency.check if is_consistency else proof.check
    verdict = check_it(document, trusted_keys=trusted)
    for fact in verdict.facts:
        typer.echo(f"ok: {fact}")
    for problem in verdict.problems:
        typer.echo(f"FAILED: {problem}", err=True)
    if not verdict.ok:
        raise typer.Exit(1)
    if trusted is None:
        signers = [document[n] for n in ("older", "newer")] if is_consistency else [document]
        for public in dict.fromkeys(signer["public_key"] for signer in signers):
            typer.echo(
                f"note: signed by public key {public}; compare it with the key "
                "the secretariat published (or pass --trusted-key)"
            )
