"""The Merkle tree of domain/merkle.py against published vectors and as properties.

The vectors (tests/store/vectors/transparency_dev_merkle.json) are every inclusion
and consistency case of github.com/transparency-dev/merkle's testdata, unchanged:
the RFC 6962 reference tree of 8 leaves, the happy paths and their mutations.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import merkle

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "transparency_dev_merkle.json").read_text()
)
# RFC 6962's reference leaves, the entries of the tree the vectors were made from.
REFERENCE_ENTRIES = [
    bytes.fromhex(h)
    for h in [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]  # fmt: skip


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def case_id(case: dict[str, Any]) -> str:
    return str(case["file"]).removeprefix("testdata/")


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=case_id)
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    ok = merkle.verify_inclusion(
        case["leafIdx"],
        case["treeSize"],
        b64(case["leafHash"]),
        [b64(p) for p in case["proof"] or []],
        b64(case["root"]),
    )

    assert ok is not case["wantErr"]


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=case_id)
def test_consistency_vectors(case: dict[str, Any]) -> None:
    ok = merkle.verify_consistency(
        case["size1"],
        case["size2"],
        b64(case["root1"]),
        b64(case["root2"]),
        [b64(p) for p in case["proof"] or []],
    )

    assert ok is not case["wantErr"]


def test_the_happy_paths_are_the_proofs_we_build() -> None:
    leaves = [merkle.leaf_hash(entry) for entry in REFERENCE_ENTRIES]
    subtree = merkle.subtrees_of(leaves)
    happy = [c for c in VECTORS["inclusion"] if c["desc"] == "happy path"]
    assert happy
    for case in happy:
        size = case["treeSize"]
        assert merkle.tree_root(size, subtree) == b64(case["root"])
        assert merkle.root(leaves[:size]) == b64(case["root"])
        assert merkle.inclusion_path(case["leafIdx"], size, subtree) == [
            b64(p) for p in case["proof"] or []
        ]
    for case in (c for c in VECTORS["consistency"] if c["desc"] == "happy path"):
        assert merkle.consistency_path(case["size1"], case["size2"], subtree) == [
            b64(p) for p in case["proof"] or []
        ]


def test_the_empty_tree_and_a_single_leaf() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest()
    leaf = merkle.event_leaf("ab" * 32)
    assert leaf == hashlib.sha256(b"\x00" + bytes.fromhex("ab" * 32)).digest()
    assert merkle.root([leaf]) == leaf
    assert merkle.inclusion_path(0, 1, merkle.subtrees_of([leaf])) == []
    assert merkle.verify_inclusion(0, 1, leaf, [], leaf)


leaf_lists = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70)


@given(leaves=leaf_lists)
def test_the_root_of_a_power_of_two_level_by_level_is_the_trees_root(leaves: list[bytes]) -> None:
    if len(leaves) & (len(leaves) - 1):
        with pytest.raises(ValueError, match="not a power of two"):
            merkle.perfect_root(leaves)
    else:
        assert merkle.perfect_root(leaves) == merkle.root(leaves)


def flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[(bit // 8) % len(changed)] ^= 1 << (bit % 8)
    return bytes(changed)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_bit_breaks_it(
    leaves: list[bytes], data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    subtree = merkle.subtrees_of(leaves)
    root = merkle.tree_root(size, subtree)
    path = merkle.inclusion_path(index, size, subtree)
    assert root == merkle.root(leaves[:size])
    assert len(path) <= size.bit_length()

    assert merkle.verify_inclusion(index, size, leaves[index], path, root)

    bit = data.draw(st.integers(0, 255))
    assert not merkle.verify_inclusion(index, size, flip(leaves[index], bit), path, root)
    assert not merkle.verify_inclusion(index, size, leaves[index], path, flip(root, bit))
    if path:
        at = data.draw(st.integers(0, len(path) - 1))
        bad = [flip(p, bit) if i == at else p for i, p in enumerate(path)]
        assert not merkle.verify_inclusion(index, size, leaves[index], bad, root)
        assert not merkle.verify_inclusion(index, size, leaves[index], path[:-1], root)
    assert not merkle.verify_inclusion(index, size, leaves[index], [*path, root], root)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_every_consistency_proof_verifies_and_any_flipped_bit_breaks_it(
    leaves: list[bytes], data: st.DataObject
) -> None:
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(1, new))
    subtree = merkle.subtrees_of(leaves)
    old_root, new_root = merkle.root(leaves[:old]), merkle.root(leaves[:new])
    path = merkle.consistency_path(old, new, subtree)

    assert merkle.verify_consistency(old, new, old_root, new_root, path)

    bit = data.draw(st.integers(0, 255))
    assert not merkle.verify_consistency(old, new, flip(old_root, bit), new_root, path)
    assert not merkle.verify_consistency(old, new, old_root, flip(new_root, bit), path)
    if path:
        at = data.draw(st.integers(0, len(path) - 1))
        bad = [flip(p, bit) if i == at else p for i, p in enumerate(path)]
        assert not merkle.verify_consistency(old, new, old_root, new_root, bad)
    # A changed leaf below the old size changes the old tree: the proof no longer fits.
    changed = data.draw(st.integers(0, old - 1))
    edited = [flip(leaf, bit) if i == changed else leaf for i, leaf in enumerate(leaves)]
    assert not merkle.verify_consistency(old, new, merkle.root(edited[:old]), new_root, path)
