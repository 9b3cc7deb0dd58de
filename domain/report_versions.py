"""The annual report's versions through a cycle, as the cycle keeps them.

ASEC (with its IMD) drafts the report on ``report_draft``: version 1, 2, and so on, each
pinned by its position in the log and its SHA-256 (``ReportDrafted``). ASEC settles the
step by submitting a version. The Chair of the ASCN and the shepherd then submit the
latest version to the JCM, both the same one: a version drafted after one of them
submitted voids that submission, and the two submit the new one. Every decision from the
JCM on names the submitted version's SHA-256; a return for revision by the JCM needs a
new draft before the report is submitted again.

Pure: what the cycle remembers (``ReportMemory``) and the rules over it. Each refusal
names the field, the versions and their digests.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.errors import DomainError
from domain.events.chain import MAX_NARRATIVE_SECTIONS

REPORT_DRAFT_STEP = "report_draft"
MAX_NARRATIVE_BYTES = 64 * 1024
"""The drafter's narrative as JSON, all sections together (about 30 pages of text).
Each draft travels through the cycle's history twice (the command, then the fact it
records): this keeps a year of drafts far below what a workflow's history may hold."""
MAX_POSITION = 2**63 - 1
"""The largest position of the global log (a BIGINT)."""


class ReportRefused(DomainError):
    """A draft, a submission or a decision that does not fit the report's versions."""


class ReportVersion(BaseModel):
    """One drafted version, as the cycle remembers it (the narrative stays in its fact)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    document_sha256: str
    as_of_position: int = Field(ge=0)
    drafted_at: AwareDatetime
    drafted_by: str

    def named(self) -> str:
        return f"version {self.version} (sha256 {self.document_sha256})"


class ReportMemory(BaseModel):
    """The report's versions in a cycle that keeps them; carried over on continue-as-new."""

    versions: list[ReportVersion] = Field(default_factory=list)
    draft_submitted: int | None = None
    """The version ASEC submitted, which settled ``report_draft``."""
    jcm_version: int | None = None
    """The version last submitted to the JCM (by either submitter): the one decisions name."""
    returned: int | None = None
    """A version the JCM returned for revision: it is not submitted again."""
    voided: int | None = None
    """The version whose submissions to the JCM a later draft voided, last."""

    def latest(self) -> ReportVersion | None:
        return self.versions[-1] if self.versions else None

    def version(self, number: int | None) -> ReportVersion | None:
        if number is None or not 1 <= number <= len(self.versions):
            return None
        return self.versions[number - 1]

    def of_digest(self, digest: str) -> ReportVersion | None:
        return next((v for v in self.versions if v.document_sha256 == digest), None)


def narrative_bytes(sections: Sequence[tuple[str, str]]) -> int:
    """The size of the narrative's (heading, text) sections as compact JSON in UTF-8."""
    body = [{"heading": heading, "text": text} for heading, text in sections]
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def count_sections(value: object) -> object:
    """A narrative of too many sections, refused in the drafter's words before pydantic's
    own ("Tuple should have at most 20 items")."""
    if isinstance(value, list | tuple) and len(value) > MAX_NARRATIVE_SECTIONS:
        raise ValueError(
            f"{len(value)} sections; at most {MAX_NARRATIVE_SECTIONS} (merge some, or leave "
            "to the report what it computes)"
        )
    return value


def check_narrative(sections: Sequence[tuple[str, str]]) -> None:
    size = narrative_bytes(sections)
    if size > MAX_NARRATIVE_BYTES:
        raise ReportRefused(
            f"narrative: {size:,} bytes as JSON; at most {MAX_NARRATIVE_BYTES:,} in all "
            "(shorten the text, or leave what the report computes to the report)"
        )


def repeated(memory: ReportMemory, digest_as_latest: str | None) -> ReportVersion | None:
    """The latest version, if a draft repeats it. ``digest_as_latest`` is the draft's
    report computed as the latest version (its number and position): the digest covers
    the narrative and every figure, so it equals the latest's only if both do."""
    latest = memory.latest()
    if latest is not None and digest_as_latest == latest.document_sha256:
        return latest
    return None


def refuse_a_repeat(memory: ReportMemory, digest_as_latest: str | None) -> None:
    """A draft identical to the latest version is not a new version: recording it would
    only void what was submitted of the one it repeats."""
    latest = repeated(memory, digest_as_latest)
    if latest is not None:
        raise ReportRefused(
            f"version {latest.version} already has this narrative and figures; nothing was "
            "drafted (change the narrative, or draft again once new facts change the report)"
        )


def check_named(memory: ReportMemory, named: int | None) -> None:
    """A submission that ``named`` the version its submitter read (ASEC's of its draft,
    or one to the JCM) is refused unless that is still the latest: checked where the
    submission is recorded, so that a draft landing after the submitter read the report
    is never submitted unread. Naming none, the latest goes, whichever it is."""
    latest = memory.latest()
    if named is None or (latest is not None and named == latest.version):
        return
    if latest is None:
        raise ReportRefused(
            f"version: the submission names version {named}, but ASEC has drafted none"
        )
    if memory.version(named) is None:
        raise ReportRefused(
            f"version: the submission names version {named}, which ASEC has not drafted; "
            f"the latest is {latest.named()}"
        )
    raise ReportRefused(
        f"version: the submission names version {named}, but the latest is now "
        f"{latest.named()}, drafted since; read version {latest.version}, then submit it"
    )


def to_submit(memory: ReportMemory, step: str, named: int | None = None) -> ReportVersion:
    """The version the Chair of the ASCN and the shepherd submit to the JCM: the latest,
    once ASEC has drafted one and unless the JCM returned it for revision, and the one
    the submitter ``named`` if it named one (``check_named``)."""
    latest = memory.latest()
    if latest is None:
        raise ReportRefused(
            f"{step} needs a submitted version of the report: ASEC has drafted none"
        )
    if memory.returned is not None and latest.version <= memory.returned:
        raise ReportRefused(
            f"{step}: the JCM returned version {memory.returned} for revision; ASEC drafts a "
            "new version before the report is submitted again"
        )
    check_named(memory, named)
    return latest


def decided_document(
    memory: ReportMemory, given: str | None, *, step: str, reopening: bool
) -> str | None:
    """The SHA-256 a decision on the report names: the submitted version's, by default.

    Another digest is refused, naming both versions. With no version submitted to the
    JCM, only a deferral naming no document is recorded (the JCM put the item off)."""
    submitted = memory.version(memory.jcm_version)
    if submitted is None:
        if reopening and given is None:
            return None
        raise ReportRefused(
            f"document_sha256: no version of the report has been submitted to the JCM yet; "
            f"a decision on {step} names the submitted version"
        )
    if given is None or given == submitted.document_sha256:
        return submitted.document_sha256
    other = memory.of_digest(given)
    names = f"version {other.version}" if other else "no version of the report"
    raise ReportRefused(
        f"document_sha256: {given} is {names}, not the report submitted to the JCM, "
        f"{submitted.named()}; a decision on {step} names the submitted version"
    )
