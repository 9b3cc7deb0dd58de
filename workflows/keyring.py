"""The seal keys, as the worker hands them to the cycle's update validators.

Workflows cannot be given constructor arguments, and the keys must never enter a
workflow's history, so the worker installs them here when it starts; the workflow
module imports this one passed through the sandbox, so both see the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_keys: dict[str, bytes] = {}


def install(keys: Mapping[str, bytes]) -> None:
    if not keys:
        raise ValueError("the seal keyring is empty: no update could ever be accepted")
    _keys.clear()
    _keys.update(keys)


def seal_keys() -> Mapping[str, bytes]:
    return MappingProxyType(_keys)
