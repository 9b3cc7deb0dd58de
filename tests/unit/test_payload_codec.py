"""The payload codec: round trips, rotation, and bad payloads that decode to a refusal."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload

from ascn.payload_codec import (
    ENCODING,
    KEY_ID,
    NONCE_BYTES,
    UNDECODABLE,
    AesGcmCodec,
    encrypted_converter,
)
from domain.actors import Actor
from workflows.messages import ApproveStepUpdate

OLD = {"old": b"o" * 32}
NEW = {"new": b"n" * 32}
UPDATE = ApproveStepUpdate(actor=Actor.chair_team("SG", "alice"), step="annual_meeting")


def plain(text: str = "hello") -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(text).encode())


async def encrypt_one(codec: AesGcmCodec, payload: Payload) -> Payload:
    (encrypted,) = await codec.encode([payload])
    return encrypted


async def decode_one(codec: AesGcmCodec, payload: Payload) -> Payload:
    (decoded,) = await codec.decode([payload])
    return decoded


def reason_of(payload: Payload) -> str:
    assert payload.metadata["encoding"] == b"json/plain"
    body = json.loads(payload.data)
    assert list(body) == [UNDECODABLE]
    return str(body[UNDECODABLE])


async def test_a_model_round_trips_and_is_stored_as_ciphertext() -> None:
    converter = encrypted_converter(OLD)
    stored = await converter.encode([UPDATE])

    (payload,) = stored
    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata[KEY_ID] == b"old"
    assert b"alice" not in payload.data
    assert b"annual_meeting" not in payload.data
    assert await converter.decode(stored, [ApproveStepUpdate]) == [UPDATE]


async def test_every_payload_gets_a_fresh_nonce() -> None:
    codec = AesGcmCodec(OLD)
    first, second = await codec.encode([plain(), plain()])
    assert first.data[:NONCE_BYTES] != second.data[:NONCE_BYTES]
    assert first.data != second.data
    assert await codec.decode([first, second]) == [plain(), plain()]


async def test_after_a_rotation_old_payloads_still_decode_and_new_ones_use_the_new_key() -> None:
    under_old = await encrypt_one(AesGcmCodec(OLD), plain("before"))
    rotated = AesGcmCodec({**NEW, **OLD})

    under_new = await encrypt_one(rotated, plain("after"))

    assert under_new.metadata[KEY_ID] == b"new"
    assert await rotated.decode([under_old, under_new]) == [plain("before"), plain("after")]
    # Once the old key is dropped, what it encrypted no longer decodes.
    assert "unknown key id 'old'" in reason_of(await decode_one(AesGcmCodec(NEW), under_old))


async def test_unencrypted_payloads_pass_through_decode() -> None:
    codec = AesGcmCodec(OLD)
    binary = Payload(metadata={"encoding": b"binary/plain"}, data=b"\x00\x01")
    assert await codec.decode([plain(), binary]) == [plain(), binary]


def flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def flip_first(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (lambda p: Payload(metadata=p.metadata, data=flip_last(p.data)), "does not authenticate"),
        (lambda p: Payload(metadata=p.metadata, data=flip_first(p.data)), "does not authenticate"),
        (lambda p: Payload(metadata=p.metadata, data=p.data[:20]), "too short"),
        (lambda p: Payload(metadata={**p.metadata, KEY_ID: b"nobody"}, data=p.data),
         "unknown key id 'nobody'"),
        (lambda p: Payload(metadata={"encoding": ENCODING}, data=p.data), "unknown key id ''"),
        (lambda p: Payload(metadata=p.metadata, data=b"\x07" * 64), "does not authenticate"),
    ],
    ids=["ciphertext", "nonce", "truncated", "key-id", "no-key-id", "garbage"],
)  # fmt: skip
async def test_a_bad_payload_decodes_to_a_refusal_and_a_warning_without_the_key(
    tamper: Callable[[Payload], Payload], expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    codec = AesGcmCodec(OLD)
    good = await encrypt_one(codec, plain())
    caplog.set_level(logging.WARNING, logger="ascn.payload_codec")

    decoded = await decode_one(codec, tamper(good))

    assert expected in reason_of(decoded)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    logged = caplog.text
    assert expected in logged
    assert "o" * 32 not in logged
    assert base64.urlsafe_b64encode(OLD["old"]).decode().rstrip("=") not in logged


async def test_the_stand_in_for_a_bad_payload_converts_to_no_message_model() -> None:
    converter = encrypted_converter(OLD)
    (good,) = await converter.encode([UPDATE])
    forged = Payload(metadata=good.metadata, data=b"\x00" * 48)

    with pytest.raises(ValidationError, match=UNDECODABLE):
        await converter.decode([forged], [ApproveStepUpdate])


def test_an_empty_keyring_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        AesGcmCodec({})
