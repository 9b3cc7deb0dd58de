"""The rules of the report's versions: what is submitted to the JCM, and what a decision
names."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.events import NarrativeSection, ReportDrafted, ReportDraftSubmitted, ReportSubmitted
from domain.narrative import narrate
from domain.report_versions import (
    MAX_NARRATIVE_BYTES,
    ReportMemory,
    ReportRefused,
    ReportVersion,
    check_narrative,
    decided_document,
    narrative_bytes,
    refuse_a_repeat,
    repeated,
    to_submit,
)

AT = datetime(2018, 9, 14, 10, 0, tzinfo=UTC)
V1, V2 = "1" * 64, "2" * 64


def drafted(*digests: str, **memory: int | None) -> ReportMemory:
    versions = [
        ReportVersion(version=n, document_sha256=sha, as_of_position=10 * n, drafted_at=AT,
                      drafted_by="asec/imd")
        for n, sha in enumerate(digests, start=1)
    ]  # fmt: skip
    return ReportMemory(versions=versions, **memory)


def test_a_draft_that_repeats_the_latest_version_is_refused() -> None:
    with pytest.raises(ReportRefused) as refused:
        refuse_a_repeat(drafted(V1, V2), V2)
    assert str(refused.value).startswith(
        "version 2 already has this narrative and figures; nothing was drafted"
    )


@pytest.mark.parametrize(
    ("memory", "as_latest"),
    [
        (drafted(), None),  # the first draft
        (drafted(V1, V2), None),  # another narrative: not computed as the latest
        (drafted(V1, V2), "3" * 64),  # the same narrative, other figures
        (drafted(V1, V2), V1),  # repeats an older version, not the latest: a revert
    ],
)
def test_a_draft_unlike_the_latest_version_is_not_a_repeat(
    memory: ReportMemory, as_latest: str | None
) -> None:
    assert repeated(memory, as_latest) is None
    refuse_a_repeat(memory, as_latest)  # raises nothing


def test_the_jcm_submission_needs_a_version() -> None:
    with pytest.raises(ReportRefused) as refused:
        to_submit(drafted(), "jcm_submission")
    assert str(refused.value) == (
        "jcm_submission needs a submitted version of the report: ASEC has drafted none"
    )


def test_the_latest_version_is_the_one_submitted() -> None:
    assert to_submit(drafted(V1, V2), "jcm_submission").version == 2


def test_a_version_returned_for_revision_needs_a_new_draft() -> None:
    with pytest.raises(ReportRefused, match="returned version 2 for revision; ASEC drafts"):
        to_submit(drafted(V1, V2, jcm_version=2, returned=2), "jcm_submission")
    assert to_submit(drafted(V1, V2, "3" * 64, returned=2), "jcm_submission").version == 3


def test_a_decision_defaults_to_the_submitted_digest() -> None:
    memory = drafted(V1, V2, jcm_version=2)
    assert decided_document(memory, None, step="acc", reopening=False) == V2
    assert decided_document(memory, V2, step="acc", reopening=False) == V2


def test_another_digest_is_refused_naming_both_versions() -> None:
    memory = drafted(V1, V2, jcm_version=2)
    with pytest.raises(ReportRefused) as refused:
        decided_document(memory, V1, step="acc", reopening=False)
    assert str(refused.value) == (
        f"document_sha256: {V1} is version 1, not the report submitted to the JCM, version 2 "
        f"(sha256 {V2}); a decision on acc names the submitted version"
    )
    with pytest.raises(ReportRefused, match=f"{'f' * 64} is no version of the report"):
        decided_document(memory, "f" * 64, step="acc", reopening=False)


def test_before_a_submission_only_a_plain_deferral_is_recorded() -> None:
    memory = drafted(V1)
    assert decided_document(memory, None, step="jcm_submission", reopening=True) is None
    for given, reopening in ((None, False), (V1, True), (V1, False)):
        with pytest.raises(ReportRefused, match="no version of the report has been submitted"):
            decided_document(memory, given, step="jcm_submission", reopening=reopening)


def test_the_narrative_is_bounded_in_bytes_not_characters() -> None:
    ascii_text = [("Foreword", "x" * (MAX_NARRATIVE_BYTES - 100))]
    check_narrative(ascii_text)
    wide = [("Foreword", "ผ" * (MAX_NARRATIVE_BYTES // 3))]  # three bytes each in UTF-8
    assert narrative_bytes(wide) > MAX_NARRATIVE_BYTES
    with pytest.raises(ReportRefused, match=r"^narrative: [\d,]+ bytes as JSON; at most 65,536"):
        check_narrative(wide)
    # A control character is six bytes once escaped, as the cycle's history holds it.
    assert narrative_bytes([("h", "\x01")]) == narrative_bytes([("h", "a")]) + 5


def test_the_timeline_names_each_version_and_its_digest() -> None:
    zone = ZoneInfo("Asia/Singapore")
    foreword = NarrativeSection(heading="Foreword", text="The first year.")
    drafted = ReportDrafted(year=2018, version=2, as_of_position=97, document_sha256=V2,
                            narrative=(foreword,))  # fmt: skip
    given = ReportDraftSubmitted(year=2018, step="report_draft", version=2, document_sha256=V2)
    sent = ReportSubmitted(year=2018, step="jcm_submission", submitter="shepherd", version=2,
                           document_sha256=V2)  # fmt: skip

    assert narrate(drafted, zone) == (
        "report version 2 drafted (sha256 222222222222, as of position 97; Foreword)"
    )
    assert narrate(given, zone) == (
        "report_draft: ASEC submits report version 2 (sha256 222222222222)"
    )
    assert narrate(sent, zone) == (
        "jcm_submission: report version 2 (sha256 222222222222) submitted by the shepherd"
    )
