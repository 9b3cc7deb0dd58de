"""The report as one self-contained HTML document: inline CSS and SVG, no script, no
external asset. Jinja2 escapes every value; the charts' SVG is the one thing put in
as it is, and it is made here (``reports.charts``), its text escaped."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from domain.report import Report
from eventstore.ledger import SignedCheckpoint
from reports.sections import layout
from reports.view import View

TEMPLATES = Path(__file__).parent / "templates"
NUMBER = re.compile(r"^-?\d[\d,]*%?$")
HASH = re.compile(r"^[0-9a-f]{40,}$")


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.tests["number_like"] = lambda value: bool(NUMBER.match(str(value)))
    env.tests["hash_like"] = lambda value: bool(HASH.match(str(value)))
    return env


ENVIRONMENT = environment()


def render_html(report: Report, checkpoint: SignedCheckpoint | None = None) -> str:
    """The report as HTML; ``checkpoint``: the ledger's latest, for the footer."""
    return html_of(layout(report, checkpoint))


def html_of(view: View) -> str:
    return ENVIRONMENT.get_template("report.html").render(view=view)
