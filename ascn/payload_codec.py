"""AES-GCM encryption of every Temporal payload, so histories at rest hold ciphertext.

Each payload is serialised whole (metadata and data) and encrypted with the current
key (the keyring's first) under a fresh 12-byte nonce; the result is marked
``encoding: binary/encrypted`` and names its key in ``encryption-key-id``, so that
decoding finds the right key after a rotation.

A payload that cannot be decrypted (unknown key id, tampered bytes, someone without
the key writing to Temporal directly) must not make ``decode`` raise: inside the
worker that fails the workflow task, which Temporal retries forever. It decodes
instead to a JSON object that no message model accepts (they forbid extra fields),
so the SDK rejects the update or drops the signal carrying it and the workflow runs on.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
TAG_BYTES = 16
UNDECODABLE = "undecodable_payload"

log = logging.getLogger("ascn.payload_codec")


class AesGcmCodec(PayloadCodec):
    """Encrypts with the keyring's first key; decrypts with whichever key a payload names."""

    def __init__(self, keyring: Mapping[str, bytes]) -> None:
        if not keyring:
            raise ValueError("the payload keyring is empty")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keyring.items()}
        self.current_key_id = next(iter(keyring))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current_key_id].encrypt(
            nonce, payload.SerializeToString(), None
        )
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: self.current_key_id.encode()},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        # Unencrypted payloads (sent before encryption was on, or by a client without a
        # codec) pass through; the seals on updates decide whether to trust them.
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode("utf-8", errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            return undecodable(f"unknown key id {key_id[:40]!r}")
        if len(payload.data) < NONCE_BYTES + TAG_BYTES:
            return undecodable(f"ciphertext too short under key id {key_id!r}")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            return Payload.FromString(cipher.decrypt(nonce, sealed, None))
        except InvalidTag:
            return undecodable(f"ciphertext does not authenticate under key id {key_id!r}")
        except DecodeError:
            return undecodable(f"decrypted bytes under key id {key_id!r} are not a payload")


def undecodable(reason: str) -> Payload:
    """A stand-in every typed handler refuses to convert; says why, never the key."""
    log.warning("undecodable payload: %s", reason)
    body = json.dumps({UNDECODABLE: reason}).encode()
    return Payload(metadata={"encoding": b"json/plain"}, data=body)


def encrypted_converter(keyring: Mapping[str, bytes]) -> DataConverter:
    """The project's pydantic converter with every payload encrypted under ``keyring``."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=AesGcmCodec(keyring))
