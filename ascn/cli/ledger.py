"""The ledger: a signing key, signed checkpoints of the Merkle tree over the log."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ascn.bootstrap import services
from ascn.cli.common import DbOption, group, load, log
from ascn.errors import UsageError
from ascn.ledger_keys import configured_key, no_key_hint, write_new_key
from ascn.settings import DEFAULT_LEDGER_KEY_PATH, Settings
from eventstore import ledger
from ledgercheck import consistency, proof
from ledgercheck.checkpoint import document, key_id, raw_public_key, trusted_key
from ledgercheck.files import NotADocument, read_document

ledger_app = group("The ledger: signed checkpoints and proofs anyone can check.")


@ledger_app.command("keygen")
def keygen(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help=f"Where to write the private key (PEM); its folder must exist, except the "
            f"default {Path(DEFAULT_LEDGER_KEY_PATH).parent}/.",
        ),
    ],
) -> None:
    """Write a new Ed25519 signing key, readable by its owner only (0600). Checkpoints
    are signed with the key ASCN_LEDGER_KEY_PATH names, or, unset, with the one at
    .ascn/ledger.key (where `ascn up` and `ascn demo` keep theirs). The key itself is
    never printed or logged. To rotate, make a new one and point the setting at it: the
    first checkpoint it signs ends the old key's period (`ascn ledger keys` lists them)."""
    typer.echo(f"wrote {out}; key id {write_new_key(out)}")


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    key = configured_key(settings)
    if key is None:
        raise UsageError(no_key_hint(settings))
    return key


def writable(out: Path) -> Path:
    """``out``, once its folder is known to exist: checked before any work is done."""
    if not out.parent.is_dir():
        raise UsageError(f"cannot write {out}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise UsageError(f"cannot write {out}: it is a folder")
    return out


def write_json(out: Path, written: dict[str, Any]) -> None:
    """Write the whole file or nothing: a temporary file beside it, renamed into place."""
    text = json.dumps(written, indent=2, sort_keys=True) + "\n"
    try:
        descriptor, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    except OSError as error:
        raise UsageError(f"cannot write {out}: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"cannot write {out}: {error.strerror or error}") from None


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
    """Bring the tree up to the log's head, sign its size and root, keep the checkpoint.
    The key: ASCN_LEDGER_KEY_PATH, or unset, .ascn/ledger.key if it is there."""
    settings = load(db)
    key = signing_key(settings)
    if out is not None:
        writable(out)
    with services(settings) as built:
        signed = ledger.record_checkpoint(built.engine, key, datetime.now(UTC))
    made = signed.checkpoint
    if out is not None:
        write_json(out, document(made, signed.seq, signed.signature, raw_public_key(key)))
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
    later checkpoint's log extends an earlier one's (--from N --to M). The proof is
    checked as its reader will check it before it is written: if the store no longer
    agrees with what was signed, nothing is written and the failed steps are named.

    Exit status: 0 written; 1 no proof can be made (why is named); 2 a bad command line."""
    consistency = older is not None or newer is not None
    if consistency == (event_id is not None):
        raise UsageError("give either --event-id, or --from and --to (checkpoint numbers)")
    if consistency and (older is None or newer is None):
        raise UsageError("a consistency proof needs both --from and --to (checkpoint numbers)")
    if consistency and checkpoint_seq is not None:
        raise UsageError("--checkpoint goes with --event-id; a consistency proof names --from/--to")
    writable(out)
    with services(load(db), read_only=True) as built:
        try:
            if older is not None and newer is not None:
                written = ledger.prove_consistency(built.engine, older, newer)
            else:
                assert event_id is not None
                written = ledger.prove(built.engine, event_id, checkpoint_seq)
        except (ledger.CannotProve, ledger.LedgerGap) as error:
            raise UsageError(str(error)) from None
    write_json(out, written)
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


NOT_TRUSTED = 3


@ledger_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="A proof written by `ascn ledger prove`.")],
    trusted: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-key",
            help="A key you trust, as the secretariat published it: its public key or its "
            "key id (64 hex digits each; `ascn ledger keys` prints both). Repeat for more.",
        ),
    ] = None,
    trusted_file: Annotated[
        Path | None,
        typer.Option(
            "--trusted-keys",
            help="A file of keys you trust: one public key or key id a line; blank lines "
            "and lines starting with # are skipped.",
        ),
    ] = None,
) -> None:
    """Check a proof on its own, with no database: an inclusion proof (the event, its
    hash, the audit path to the signed root, the signature) or a consistency proof (both
    signatures, the path from the older tree to the newer). Only a key you trust makes
    it verified: anyone can make a proof that holds together with a key of their own.

    Exit status:
    0 verified: every step holds and a trusted key signed it;
    1 a step failed (each is named), or the file is not a proof;
    2 a bad command line;
    3 every step holds, but no trusted key was given: NOT verified."""
    keys = trusted_keys_given(trusted or [], trusted_file)
    try:
        document = read_document(file)
    except NotADocument as error:
        raise UsageError(str(error)) from None
    is_consistency = document.get("format") == consistency.FORMAT
    check_it = consistency.check if is_consistency else proof.check
    verdict = check_it(document, trusted_keys=keys)
    for fact in verdict.facts:
        typer.echo(f"ok: {fact}")
    for problem in verdict.problems:
        typer.echo(f"FAILED: {problem}", err=True)
    if not verdict.ok:
        raise typer.Exit(1)
    signers = ", ".join(
        f"key id {key_id(public)} (public key {public.hex()})" for public in verdict.signers
    )
    if not verdict.verified:
        typer.echo(
            f"NOT VERIFIED: the proof is internally consistent but its key is not trusted: "
            f"it is signed by {signers}. Anyone can make such a proof with a key of their "
            "own; pass --trusted-key with the public key or key id the secretariat published",
            err=True,
        )
        raise typer.Exit(NOT_TRUSTED)
    typer.echo(f"verified: signed by trusted {signers}")


def trusted_keys_given(values: list[str], file: Path | None) -> frozenset[str] | None:
    """The keys given, normalised; None when none was given at all."""
    given: list[tuple[str, str]] = [(f"--trusted-key {value!r}", value) for value in values]
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8-sig").splitlines()
        except OSError as error:
            raise UsageError(f"cannot read {file}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{file} is not a list of keys: not UTF-8 text") from None
        for number, line in enumerate(lines, start=1):
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                given.append((f"{file} line {number}", stripped))
        if not given:
            raise UsageError(f"{file} lists no key")
    if not given:
        return None
    keys: set[str] = set()
    for where, value in given:
        try:
            keys.add(trusted_key(value))
        except ValueError as error:
            raise UsageError(f"{where}: {error}") from None
    return frozenset(keys)
