"""The report as one HTML document: every section in order, the figures of the seeded
year, the drafter's text escaped, nothing fetched from elsewhere, and the ledger's
checkpoint in the footer."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from domain.events import NarrativeSection
from domain.report import document_sha256
from reports.html import render_html
from tests.report.rendering import ROOT_HASH, checkpoint, empty, seeded

SECTIONS = [
    "narrative",
    "cycle",
    "nominations",
    "membership",
    "progress",
    "partners",
    "outstanding",
    "decisions",
    "comparison",
]


class Elements(HTMLParser):
    """The start tags of a document, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def row(*cells: str) -> str:
    """A table row as the template writes it: the first cell a row header."""
    head, *rest = cells
    return f'<th scope="row">{head}</th>' + "".join(
        f'<td class="n">{c}</td>' if re.match(r"^-?\d[\d,]*%?$", c) else f"<td>{c}</td>"
        for c in rest
    )


def test_the_sections_come_in_the_order_of_the_issue_then_how_to_verify() -> None:
    html = render_html(seeded(), checkpoint())
    ids = [a["id"] for tag, a in elements(html) if tag in ("section", "footer")]
    assert ids == [*SECTIONS, "verify"]


def test_the_header_names_the_version_with_its_digest_and_the_position() -> None:
    report = seeded()
    html = render_html(report)
    assert f"draft 2, SHA-256 {document_sha256(report)}" in html
    assert f"as of position {report.meta.as_of_position} of the event log" in html
    assert "live, not a version" in render_html(seeded(version=None))


def test_the_figures_of_the_seeded_year_are_in_the_tables() -> None:
    html = render_html(seeded())
    # Malaysia's return: four cities (an exception allows it), submitted late.
    assert row("Malaysia", "submitted", "Aziz Rahman", "4", "10 Mar 2019", "yes") in html
    assert row("Malaysia", "Kuala Lumpur", "yes", "Farah Ali") in html
    # The nomination deadline moved by seven days, by Thailand's Chair's team.
    assert "Several NRs changed after the elections" in html
    assert '<td>28 Feb 2019</td><td>7 Mar 2019</td><td class="n">7</td>' in html
    # The on-time chart's figures, beside it.
    assert row("Malaysia", "1", "2", "50%") in html
    assert row("Cambodia", "2", "2", "100%") in html
    assert "Hai Phong" in html
    assert "Proposed after the Chair&#39;s deadline" in html


def test_each_chart_is_inline_with_its_figures_beside_it() -> None:
    html = render_html(seeded())
    for key in ("timeline", "on-time", "focus-areas"):
        figure = html[html.index(f'id="{key}">') :]
        figure = figure[: figure.index("</figure>")]
        assert f'<title id="{key}-title">' in figure
        assert "<table>" in figure
        assert ": the figures</caption>" in figure


def test_the_document_is_self_contained() -> None:
    html = render_html(seeded(), checkpoint())
    for tag, attrs in elements(html):
        assert tag not in ("script", "link", "img", "iframe", "object"), tag
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)
    assert "http://" not in html.replace("http://www.w3.org/", "")
    assert "https://" not in html


def test_the_drafters_text_is_escaped_and_split_into_paragraphs_at_blank_lines() -> None:
    hostile = NarrativeSection(
        heading="<img src=x onerror=alert(1)>",
        text="<script>alert('x')</script>\nstill the first\n\n{{ 7*7 }} & </p><p>second",
    )
    html = render_html(seeded(narrative=(hostile,)))
    assert "<script>" not in html
    assert "<img" not in html
    assert "<h3>&lt;img src=x onerror=alert(1)&gt;</h3>" in html
    assert "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\nstill the first</p>" in html
    assert "<p>{{ 7*7 }} &amp; &lt;/p&gt;&lt;p&gt;second</p>" in html


def test_the_footer_shows_the_latest_checkpoint() -> None:
    signed = checkpoint()
    html = render_html(seeded(), signed)
    footer = html[html.index('<footer id="verify"') :]
    assert ROOT_HASH in footer
    assert signed.checkpoint.key_id in footer
    assert "60 events" in footer
    assert "2019-12-01T09:30:00+00:00" in footer
    assert signed.signature.hex() in footer
    assert "ascn ledger check proof.json" in footer


def test_without_a_checkpoint_the_footer_says_so() -> None:
    html = render_html(seeded(), None)
    assert "No ledger checkpoint had been signed when this was rendered." in html


def test_a_year_with_nothing_in_the_record_renders() -> None:
    html = render_html(empty())
    assert "The record holds no cycle for 2031." in html
    assert "No body has decided yet." in html
    assert "No project is in a plan for the year." in html
    assert '<figure class="chart' not in html  # no empty chart, a sentence instead


def test_the_footer_says_whether_the_checkpoint_covers_the_report() -> None:
    report = seeded()  # as of position 60; the test's checkpoint signs 60 events
    assert report.meta.as_of_position == 60
    assert "It covers every event this report is computed from." in render_html(
        report, checkpoint()
    )
    signed = checkpoint()
    older = replace(signed, checkpoint=replace(signed.checkpoint, tree_size=59))
    assert "It was signed before some of the events this report reads (up to position 60)" in (
        render_html(report, older)
    )
