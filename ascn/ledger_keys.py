"""The Ed25519 key that signs ledger checkpoints, as a file (ASCN_LEDGER_KEY_PATH, else
the default beside the embedded store, ``settings.DEFAULT_LEDGER_KEY_PATH``).

Written once, readable by its owner only (0600), never overwritten, never printed or
logged: only its key id (the SHA-256 of the public key) is ever shown.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ascn.errors import UsageError
from ascn.settings import DEFAULT_LEDGER_KEY_PATH, Settings
from ledgercheck.checkpoint import key_id, load_private_key, private_key_pem, raw_public_key


def default_key_folder() -> Path:
    return Path(DEFAULT_LEDGER_KEY_PATH).parent


def write_new_key(path: Path, *, make_folder: bool = False) -> str:
    """Write a new key to ``path`` (which must not exist); returns its key id. Its folder
    must exist, unless ``make_folder`` or it is the default folder (``.ascn``): a typo in
    a path makes no folders."""
    folder = path.parent
    if not folder.is_dir():
        if folder.exists():
            raise UsageError(f"cannot write {path}: {folder} is not a folder")
        if not make_folder and folder.resolve() != default_key_folder().resolve():
            raise UsageError(
                f"cannot write {path}: the folder {folder} does not exist (make it first; "
                f"only the default folder {default_key_folder()} is made for you)"
            )
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} already exists; a signing key is never overwritten") from None
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_pem(key))
    path.chmod(0o600)
    return key_id(raw_public_key(key))


def read_key(path: Path) -> Ed25519PrivateKey:
    try:
        return load_private_key(path.read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read the ledger key {path}: {error.strerror}") from None
    except ValueError:
        raise UsageError(f"{path} is not an Ed25519 private key in PEM") from None


def configured_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The key ASCN_LEDGER_KEY_PATH names (which must be there). Unset, the key at the
    default path if there is one (as `ascn up` and the demo keep it), else None."""
    if settings.ledger_key_path:
        return read_key(settings.ledger_key_file)
    default = settings.ledger_key_file
    return read_key(default) if default.exists() else None


def no_key_hint(settings: Settings) -> str:
    """Why there is no key, and where it was looked for."""
    if settings.ledger_key_path:  # configured_key raised already if it is not there
        return f"no signing key at {settings.ledger_key_file} (ASCN_LEDGER_KEY_PATH)"
    return (
        f"no signing key: ASCN_LEDGER_KEY_PATH is unset and there is no key at "
        f"{settings.ledger_key_file.resolve()}, the default (where `ascn up` and `ascn demo` "
        f"keep theirs); set ASCN_LEDGER_KEY_PATH to the key's file, or make one there with "
        f"`ascn ledger keygen --out {DEFAULT_LEDGER_KEY_PATH}`"
    )


def key_or_new(path: Path) -> Ed25519PrivateKey:
    """The key at ``path``, written first if there is none (the embedded setups)."""
    if not path.exists():
        write_new_key(path, make_folder=True)
    return read_key(path)
