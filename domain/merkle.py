"""A Merkle tree over the global log, hashed as RFC 9162 section 2.1 says.

Leaf ``i`` of the tree is the event at global index ``i`` (0-based, in position
order); its leaf hash is SHA-256(0x00 || event hash bytes), an inner node is
SHA-256(0x01 || left || right). The tree of ``n`` leaves splits at the largest
power of two below ``n``, so every left subtree is perfect and aligned.

Proofs are built from a ``subtree(level, index)`` callback that returns the
hash of the perfect subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``.
A store answers it from its table of complete subtrees, a test from a list of
leaves; either way a proof at size ``n`` asks for O(log n) subtrees. The
verifiers are the RFC's algorithms (2.1.3.2 and 2.1.4.2) and need nothing but
the proof, the sizes and the roots. This module imports only ``hashlib``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

Subtree = Callable[[int, int], bytes]
"""``subtree(level, index)``: the hash of a perfect, aligned subtree."""

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf(event_hash_hex: str) -> bytes:
    """The leaf hash of an event, from the hex SHA-256 its chain stores."""
    return leaf_hash(bytes.fromhex(event_hash_hex))


def event_leaves(event_hashes_hex: Iterable[str]) -> list[bytes]:
    """``event_leaf`` of each, in one loop (the extender hashes every event of the log)."""
    sha256, fromhex = hashlib.sha256, bytes.fromhex
    return [sha256(b"\x00" + fromhex(digest)).digest() for digest in event_hashes_hex]


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _all_hashes(*values: bytes) -> bool:
    return all(len(value) == HASH_SIZE for value in values)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of already hashed leaves."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """MTH of a power of two of hashes (leaves, or subtrees of one height), level by level."""
    if not _is_power_of_two(len(hashes)):
        raise ValueError(f"{len(hashes)} hashes are not a power of two")
    sha256, level = hashlib.sha256, list(hashes)
    while len(level) > 1:  # node_hash, spelled out: the extender calls it for every event
        level = [
            sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)
        ]
    return level[0]


def subtrees_of(leaves: Sequence[bytes]) -> Subtree:
    """A ``subtree`` callback over a list of leaf hashes (for tests and small trees)."""

    def subtree(level: int, index: int) -> bytes:
        start = index << level
        end = start + (1 << level)
        if end > len(leaves):
            raise IndexError(f"subtree ({level}, {index}) is not complete in {len(leaves)} leaves")
        return root(leaves[start:end])

    return subtree


def range_root(start: int, end: int, subtree: Subtree) -> bytes:
    """MTH of leaves ``[start, end)``, where ``start`` is aligned as the RFC's splits align it."""
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if _is_power_of_two(n) and start % n == 0:
        level = n.bit_length() - 1
        return subtree(level, start >> level)
    k = _split(n)
    return node_hash(range_root(start, start + k, subtree), range_root(start + k, end, subtree))


def tree_root(size: int, subtree: Subtree) -> bytes:
    return range_root(0, size, subtree)


def inclusion_path(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1, leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(range_root(start + k, end, subtree))
            end = start + k
        else:
            path.append(range_root(start, start + k, subtree))
            start += k
    path.reverse()
    return path


def consistency_path(old_size: int, new_size: int, subtree: Subtree) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1, for 0 < m <= n."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    path: list[bytes] = []
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            path.append(range_root(start + k, end, subtree))
            end = start + k
        else:
            path.append(range_root(start, start + k, subtree))
            start += k
            m -= k
            whole = False
    if not whole:
        path.append(range_root(start, end, subtree))
    path.reverse()
    return path


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does ``path`` prove ``leaf`` at ``index`` in the tree of ``root``?"""
    if not 0 <= index < size or not _all_hashes(leaf, expected_root, *path):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree of ``old_root`` a prefix of the tree of ``new_root``?

    Equal sizes need an empty proof and equal roots; an empty old tree proves nothing
    and is refused, as transparency-dev/merkle refuses it.
    """
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not path and old_root == new_root
    if not path or not _all_hashes(old_root, new_root, *path):
        return False
    proof = list(path)
    if _is_power_of_two(old_size):
        proof.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


Node = tuple[int, int, bytes]
"""A complete subtree as a store keeps it: (level, index, hash)."""


def frontier(size: int) -> list[tuple[int, int]]:
    """The complete subtrees a tree of ``size`` leaves ends with, highest first.

    They are all an append needs: a new leaf only ever joins its left neighbours.
    """
    return [
        (level, (size >> level) - 1)
        for level in reversed(range(size.bit_length()))
        if (size >> level) & 1
    ]


def extend(size: int, edge: Mapping[tuple[int, int], bytes], leaves: Sequence[bytes]) -> list[Node]:
    """The complete subtrees that appending ``leaves`` to a tree of ``size`` completes.

    ``edge`` holds (at least) the hashes of ``frontier(size)``. Every new leaf is a
    node of level 0, and each node it completes is one more; about two a leaf.
    """
    known = dict(edge)
    new: list[Node] = []
    for leaf in leaves:
        index, level, digest = size, 0, leaf
        new.append((0, index, digest))
        known[(0, index)] = digest
        while index & 1:
            digest = node_hash(known[(level, index - 1)], digest)
            index >>= 1
            level += 1
            new.append((level, index, digest))
            known[(level, index)] = digest
        size += 1
    return new
