"""Keys for the seal (ASCN_SEAL_KEYS) and the payload codec (ASCN_PAYLOAD_KEYS)."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from typing import Annotated

import typer

from ascn.cli.common import group

keys_app = group("Keys for seals and payload encryption.")


@keys_app.command("new")
def new_key(
    key_id: Annotated[
        str | None, typer.Option("--id", help="The key's id (default: key-<today>).")
    ] = None,
) -> None:
    """Print a new 32-byte key as `id=base64url`: put it first in ASCN_SEAL_KEYS or
    ASCN_PAYLOAD_KEYS, keep the old one after it until nothing in flight uses it."""
    name = key_id or f"key-{datetime.now(UTC):%Y%m%d}"
    encoded = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    typer.echo(f"{name}={encoded}")
