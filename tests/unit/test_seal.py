"""Seals: a command sealed by the services verifies; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.seal import InvalidSeal, check_seal, make_seal

KEYS = {"k2": b"2" * 32, "k1": b"1" * 32}
AT = datetime(2027, 2, 10, 9, 30, tzinfo=UTC)
PAYLOAD = {"actor": {"id": "alice", "role": "chair_team:SG"}, "step": "scgw"}
NONCE = "0123456789abcdef0123456789abcdef"


def sealed(**changes: object) -> dict[str, object]:
    return {"update": "approve_step", "cycle": "ascn-cycle-2027", "payload": PAYLOAD, **changes}


def test_a_seal_verifies_under_the_key_it_names_and_signs_with_the_first() -> None:
    seal = make_seal(KEYS, received_at=AT, nonce=NONCE, **sealed())  # type: ignore[arg-type]
    assert seal.key_id == "k2"
    assert check_seal(KEYS, seal, **sealed()) == seal  # type: ignore[arg-type]
    rotated = {"k3": b"3" * 32, "k2": b"2" * 32}
    assert check_seal(rotated, seal, **sealed()) == seal  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changed",
    [
        {"update": "waive_step"},
        {"cycle": "ascn-cycle-2028"},
        {"payload": {**PAYLOAD, "actor": {"id": "mallory", "role": "chair_team:SG"}}},
        {"payload": {**PAYLOAD, "step": "summit"}},
    ],
)
def test_a_seal_moved_to_other_content_is_refused_as_forged(changed: dict[str, object]) -> None:
    seal = make_seal(KEYS, received_at=AT, nonce=NONCE, **sealed())  # type: ignore[arg-type]
    with pytest.raises(InvalidSeal, match="refused as forged"):
        check_seal(KEYS, seal, **sealed(**changed))  # type: ignore[arg-type]


def test_a_missing_seal_or_an_unknown_key_is_refused() -> None:
    with pytest.raises(InvalidSeal, match="carries no seal"):
        check_seal(KEYS, None, **sealed())  # type: ignore[arg-type]
    seal = make_seal({"old": b"0" * 32}, received_at=AT, nonce=NONCE, **sealed())  # type: ignore[arg-type]
    with pytest.raises(InvalidSeal, match="unknown key 'old'"):
        check_seal(KEYS, seal, **sealed())  # type: ignore[arg-type]


@given(position=st.integers(0, 63), received=st.datetimes(timezones=st.just(UTC)))
def test_any_changed_character_of_the_mac_or_time_fails(position: int, received: datetime) -> None:
    seal = make_seal(KEYS, received_at=received, nonce=NONCE, **sealed())  # type: ignore[arg-type]
    flipped = "0" if seal.mac[position] != "0" else "1"
    forged = seal.model_copy(
        update={"mac": seal.mac[:position] + flipped + seal.mac[position + 1 :]}
    )
    with pytest.raises(InvalidSeal):
        check_seal(KEYS, forged, **sealed())  # type: ignore[arg-type]
    later = seal.model_copy(update={"received_at": received.replace(year=received.year % 9000 + 1)})
    if later.received_at != received:
        with pytest.raises(InvalidSeal):
            check_seal(KEYS, later, **sealed())  # type: ignore[arg-type]
