"""Rotation in alphabetical order, wrapping around."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def next_in_rotation(previous: T, candidates: Sequence[T], key: Callable[[T], str]) -> T:
    """The first candidate whose key sorts after ``previous``'s, wrapping to the first.

    ``previous`` need not be among the candidates (a state may have left, or an
    override may have put a non-member in the chair); its key still fixes the place.
    """
    if not candidates:
        raise ValueError("a rotation needs at least one candidate")
    after = key(previous)
    later = [c for c in candidates if key(c) > after]
    return min(later or candidates, key=key)
