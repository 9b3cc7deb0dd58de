"""The report as a PDF, typeset by typst (the ``typst`` package bundles the compiler:
it installs from PyPI alone, with no system library).

The template (``templates/report.typ``) gets the laid-out report as JSON and each chart
as SVG through ``sys.inputs``: the record's text is data to typst, never markup, so a
narrative that reads ``#read("/etc/passwd")`` is printed as those characters. Only the
fonts typst embeds (Libertinus Serif, which covers Vietnamese; DejaVu Sans Mono for
hashes) and four bundled Noto fonts (Thai, Lao, Khmer, Myanmar) are used, never the
machine's, so every machine sets the same pages.
"""

from __future__ import annotations

import json
from pathlib import Path

import typst

from domain.report import Report
from eventstore.ledger import SignedCheckpoint
from reports.sections import layout
from reports.view import View

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = TEMPLATES / "report.typ"
FONTS = Path(__file__).parent / "fonts"
"""Noto Sans for the scripts of Thailand, Lao PDR, Cambodia and Myanmar, which typst's own
fonts lack (OFL, see fonts/OFL.txt)."""


class RenderError(RuntimeError):
    """typst refused the document (a bug in the template, never in the record's text)."""


def render_pdf(report: Report, checkpoint: SignedCheckpoint | None = None) -> bytes:
    """The report as PDF bytes; ``checkpoint``: the ledger's latest, for the footer."""
    return pdf_of(layout(report, checkpoint))


def pdf_of(view: View) -> bytes:
    inputs = {"data": json.dumps(view.data(), ensure_ascii=False)}
    inputs.update({f"chart:{key}": chart.svg for key, chart in view.charts.items()})
    try:
        made = typst.compile(
            TEMPLATE,
            root=TEMPLATES,
            font_paths=[FONTS],
            ignore_system_fonts=True,
            sys_inputs=inputs,
            format="pdf",
        )
    except typst.TypstError as error:
        raise RenderError(f"typst could not set the report: {error.message}") from None
    assert isinstance(made, bytes)
    return made
