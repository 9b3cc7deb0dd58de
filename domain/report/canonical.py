"""The report's canonical JSON and its SHA-256: what a draft's digest is taken over.

Canonical: the model's JSON form (``Report.model_dump(mode="json")``: times in ISO 8601,
dates as ``YYYY-MM-DD``, no floating point anywhere), keys sorted at every level,
separators without spaces, UTF-8 without escaping non-ASCII text. The digest covers the
whole report, ``meta`` included: the year, the format, the position it is as of and the
version number, with the narrative. The same report always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json

from domain.report.model import Report


def canonical_json(report: Report) -> bytes:
    return json.dumps(
        report.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def document_sha256(report: Report) -> str:
    """The SHA-256 of the report's canonical JSON, in lower-case hex."""
    return hashlib.sha256(canonical_json(report)).hexdigest()


def from_json(data: bytes | str) -> Report:
    """A report read back from its JSON form (canonical or not)."""
    return Report.model_validate_json(data)
