"""The report as a PDF: it opens, its text holds the seeded year's figures and the
checkpoint, the drafter's text is printed and never run, and names in Vietnamese keep
their marks."""

from __future__ import annotations

import io

import pypdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.events import NarrativeSection
from domain.events.chain import MAX_NARRATIVE_TEXT
from domain.report import document_sha256
from reports.pdf import render_pdf
from tests.report.rendering import ROOT_HASH, checkpoint, empty, pdf_fonts, pdf_text, seeded

HOSTILE = (
    '#import "/etc/passwd" as p\n'
    '#read("/etc/passwd")\n\n'
    '#eval("1 + 1") $x^2$ *bold* _it_ @ref <label> `raw` = heading\n'
    '#set page(width: 1cm) #pagebreak() ]] ) } \\ "unclosed'
)


def test_the_pdf_opens_and_holds_the_figures_of_the_year() -> None:
    report = seeded()
    text = pdf_text(render_pdf(report, checkpoint()))
    assert "ASEAN Smart Cities Network: annual report 2019" in text
    assert f"draft 2, SHA-256 {document_sha256(report)}" in text
    # Nominations: the totals, Malaysia late with four cities, Cambodia's three.
    assert "Returns submitted 3 Nil returns 1 Missing 6 Late 1 Cities 10 Capitals 4" in text
    assert "Malaysia submitted Aziz Rahman 4 10 Mar 2019 yes" in text
    assert "Cambodia Battambang no Ly Vanna" in text
    # The extension: who, why, and seven days.
    assert (
        "Chair's team (Thailand): anan Several NRs changed after the elections "
        "28 Feb 2019 7 Mar 2019 7"
    ) in text
    # The on-time chart's table, and the focus-area chart's.
    assert "Malaysia 1 2 50%" in text
    assert "Thailand 2 2 100%" in text
    assert "Built infrastructure 0 0 1 0 0 0 0 0 1" in text
    assert "Reported to the ASEAN Summit ASEAN Summit deferred 30 Nov 2019 20 Dec 2019" in text


def test_the_pdf_ends_with_how_to_verify_and_the_checkpoint() -> None:
    signed = checkpoint()
    text = pdf_text(render_pdf(seeded(), signed))
    footer = text[text.rindex("How to verify this record") :]
    assert f"Root hash {ROOT_HASH}" in footer
    assert f"Key id {signed.checkpoint.key_id}" in footer
    assert "Tree size 60 events" in footer
    assert "Signed at 2019-12-01T09:30:00+00:00" in footer
    assert "ascn ledger check proof.json" in footer
    without = pdf_text(render_pdf(seeded(), None))
    assert "No ledger checkpoint had been signed when this was rendered." in without


def test_typst_markup_in_the_narrative_is_printed_not_run() -> None:
    section = NarrativeSection(heading="#show: none", text=HOSTILE)
    text = pdf_text(render_pdf(seeded(narrative=(section,))))
    assert '#import "/etc/passwd" as p' in text
    assert '#read("/etc/passwd")' in text
    assert '#eval("1 + 1") $x^2$ *bold* _it_ @ref <label> `raw` = heading' in text
    assert "#show: none" in text
    assert "root:" not in text  # the file was not read


def test_vietnamese_names_keep_their_marks() -> None:
    names = "Đà Nẵng, Hà Nội, Thành phố Hồ Chí Minh, Huế, Cần Thơ"
    section = NarrativeSection(heading="Thành phố", text=names)
    pdf = render_pdf(seeded(narrative=(section,)))
    assert names in pdf_text(pdf)
    assert any("LibertinusSerif" in name for name in pdf_fonts(pdf))


def test_the_scripts_of_thailand_lao_pdr_cambodia_and_myanmar_are_set_in_their_fonts() -> None:
    names = "กรุงเทพมหานคร ວຽງຈັນ ភ្នំពេញ နေပြည်တော်"
    section = NarrativeSection(heading="Capitals", text=names)
    fonts = pdf_fonts(render_pdf(seeded(narrative=(section,))))
    for family in ("NotoSansThai", "NotoSansLao", "NotoSansKhmer", "NotoSansMyanmar"):
        assert any(family in name for name in fonts), (family, fonts)
    # Without those scripts no Noto font is embedded: the check above can fail.
    assert not any("Noto" in name for name in pdf_fonts(render_pdf(seeded())))


def test_the_same_report_renders_the_same_bytes() -> None:
    report = seeded()
    assert render_pdf(report, checkpoint()) == render_pdf(report, checkpoint())


def test_a_year_with_nothing_in_the_record_renders() -> None:
    text = pdf_text(render_pdf(empty()))
    assert "The record holds no cycle for 2031." in text
    assert "No body has decided yet." in text
    assert "No project is in a plan for the year." in text


narrative_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=400
).filter(lambda t: t.strip())


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(heading=st.text(st.characters(min_codepoint=0x20, exclude_characters="\x7f"),
                       min_size=1, max_size=60).filter(str.strip),
       text=narrative_text)  # fmt: skip
def test_any_narrative_renders(heading: str, text: str) -> None:
    section = NarrativeSection(heading=heading, text=text)
    assert render_pdf(seeded(narrative=(section,))).startswith(b"%PDF-")


def test_the_longest_narrative_renders() -> None:
    words = ("Hà Nội " * (MAX_NARRATIVE_TEXT // 7))[:MAX_NARRATIVE_TEXT].strip()
    sections = tuple(NarrativeSection(heading=f"Part {n}", text=words) for n in range(3))
    pdf = render_pdf(seeded(narrative=sections))
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) > 10
