"""Seals: an HMAC-SHA256 that the services put on every command they send to a cycle.

Anyone who reaches Temporal's port can send an update naming any actor. The cycle
accepts only updates whose seal verifies: it proves that the services authenticated the
actor, when they received the command (the receipt time decides lateness, so an NR
cannot backdate a submission) and, with the nonce, that this command was not sent
before. The MAC covers the update's name, the cycle, the update's canonical payload
(its actor included), the receipt time, the nonce and the key id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.errors import DomainError


class InvalidSeal(DomainError):
    """A command's seal is missing, forged, stale or replayed."""


class Seal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key_id: str = Field(min_length=1, max_length=40)
    received_at: AwareDatetime
    nonce: str = Field(min_length=16, max_length=64, pattern=r"^[0-9a-f]+$")
    mac: str = Field(pattern=r"^[0-9a-f]{64}$")


def canonical(
    update: str, cycle: str, payload: Mapping[str, Any], received_at: datetime, nonce: str,
    key_id: str,
) -> bytes:  # fmt: skip
    """The bytes a seal's MAC covers: sorted-key JSON, so every process agrees on them."""
    document = {
        "update": update,
        "cycle": cycle,
        "payload": payload,
        "received_at": received_at.isoformat(),
        "nonce": nonce,
        "key_id": key_id,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def make_seal(
    keyring: Mapping[str, bytes], *, update: str, cycle: str, payload: Mapping[str, Any],
    received_at: datetime, nonce: str,
) -> Seal:  # fmt: skip
    """Seal with the keyring's first (current) key."""
    key_id, key = next(iter(keyring.items()))
    message = canonical(update, cycle, payload, received_at, nonce, key_id)
    mac = hmac.new(key, message, hashlib.sha256).hexdigest()
    return Seal(key_id=key_id, received_at=received_at, nonce=nonce, mac=mac)


def check_seal(
    keyring: Mapping[str, bytes], seal: Seal | None, *, update: str, cycle: str,
    payload: Mapping[str, Any],
) -> Seal:  # fmt: skip
    """The seal if its MAC verifies under the key it names; ``InvalidSeal`` otherwise."""
    if seal is None:
        raise InvalidSeal(f"{update} carries no seal: commands reach the cycle through ascn")
    key = keyring.get(seal.key_id)
    if key is None:
        raise InvalidSeal(f"{update} is sealed with unknown key {seal.key_id!r}")
    message = canonical(update, cycle, payload, seal.received_at, seal.nonce, seal.key_id)
    expected = hmac.new(key, message, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, seal.mac):
        raise InvalidSeal(f"{update}'s seal does not match its content: refused as forged")
    return seal
