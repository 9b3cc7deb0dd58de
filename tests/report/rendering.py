"""What the rendering tests draw: the seeded 2019 report (``tests.report.seed``), a draft
with a narrative, and a ledger checkpoint signed with a key made for the test."""

from __future__ import annotations

import functools
import io
from datetime import UTC, datetime
from typing import cast

import pypdf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf.generic import DictionaryObject

from domain.events import NarrativeSection
from domain.report import Report, build_report
from eventstore.ledger import SignedCheckpoint
from ledgercheck.checkpoint import Checkpoint, key_id, raw_public_key, sign
from tests.report import seed

ROOT_HASH = "5f" * 32


@functools.cache
def seeded(
    narrative: tuple[NarrativeSection, ...] = seed.NARRATIVE, version: int | None = 2
) -> Report:
    return build_report(
        2019, seed.facts(), reference=seed.REFERENCE, version=version, narrative=narrative
    )


def empty() -> Report:
    """A year the record holds nothing of: no cycle, no assessment, no decision."""
    return build_report(2031, [], reference=seed.REFERENCE)


def checkpoint() -> SignedCheckpoint:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    made = Checkpoint(
        tree_size=60,
        root_hash=ROOT_HASH,
        signed_at=datetime(2019, 12, 1, 9, 30, tzinfo=UTC),
        key_id=key_id(raw_public_key(key)),
    )
    return SignedCheckpoint(seq=7, checkpoint=made, signature=sign(made, key))


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader would copy it, with runs of white space made one."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pdf_fonts(pdf: bytes) -> set[str]:
    """The names of the fonts the PDF's pages use (``/BaseFont``, subset prefix and all)."""
    fonts: set[str] = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        used = cast(DictionaryObject, resources.get("/Font", DictionaryObject()).get_object())
        fonts |= {str(cast(DictionaryObject, f.get_object())["/BaseFont"]) for f in used.values()}
    return fonts
