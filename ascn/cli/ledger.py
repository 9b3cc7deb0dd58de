"""The ledger: a signing key, signed checkpoints of the Merkle tree over the log."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ascn.bootstrap import services
from ascn.cli.common import DbOption, group, load, log
from ascn.errors import UsageError
from eventstore import ledger
from ledgercheck.checkpoint import key_id, load_private_key, private_key_pem, raw_public_key

ledger_app = group("The ledger: signed checkpoints and proofs anyone can check.")


@ledger_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Where to write the private key (PEM).")],
) -> None:
    """Write a new Ed25519 signing key, readable by its owner only (0600); point
    ASCN_LEDGER_KEY_PATH at it. The key itself is never printed or logged."""
    key = Ed25519PrivateKey.generate()
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{out} already exists; a signing key is never overwritten") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_pem(key))
    out.chmod(0o600)
    typer.echo(f"wrote {out}; key id {key_id(raw_public_key(key))}")


def signing_key(path: str | None) -> Ed25519PrivateKey:
    if not path:
        raise UsageError("no signing key: set ASCN_LEDGER_KEY_PATH (ascn ledger keygen makes one)")
    try:
        return load_private_key(Path(path).read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read the ledger key {path}: {error.strerror}") from None
    except ValueError:
        raise UsageError(f"{path} is not an Ed25519 private key in PEM") from None


@ledger_app.command("checkpoint")
def checkpoint(db: DbOption = None) -> None:
    """Sign the tree's size and root as they stand now, and keep the checkpoint."""
    settings = load(db)
    key = signing_key(settings.ledger_key_path)
    with services(settings) as built:
        signed = ledger.record_checkpoint(built.engine, key, datetime.now(UTC))
    made = signed.checkpoint
    log.info("ledger checkpoint", seq=signed.seq, tree_size=made.tree_size, key_id=made.key_id)
    typer.echo(f"checkpoint {signed.seq}: size {made.tree_size}, root {made.root_hash}")
