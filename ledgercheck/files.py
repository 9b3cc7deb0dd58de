"""Reading a checkpoint or proof file: one JSON object in UTF-8, of a sane size and depth.

Whatever the file holds, the answer is a document or ``NotADocument`` with a sentence
naming what is wrong with it, never another exception.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# A proof holds one event and a path of about 2 log2(n) hashes; a checkpoint, less. No
# genuine one comes near this, and a file that does (or a device that never ends, such
# as /dev/zero) is refused before it fills the memory.
MAX_BYTES = 16 * 1024 * 1024


class NotADocument(ValueError):
    """The file cannot be read, or is not one JSON object."""


def read_document(path: Path, what: str = "a proof") -> dict[str, Any]:
    """The JSON object in ``path``; ``what`` names what it should be, for the message."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise NotADocument(f"cannot read {path}: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise NotADocument(
            f"{path} is not {what}: it is larger than {MAX_BYTES // (1024 * 1024)} MiB"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotADocument(f"{path} is not {what}: not UTF-8 JSON") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise NotADocument(f"{path} is not {what}: its JSON is nested too deeply") from None
    except ValueError as error:
        raise NotADocument(f"{path} is not {what}: not JSON ({error})") from None
    if not isinstance(document, dict):
        raise NotADocument(f"{path} is not {what}: a JSON object is expected")
    return document
