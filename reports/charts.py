"""The report's charts, drawn on the server to SVG with matplotlib's object interface: a
``Figure`` of its own per chart, never pyplot's global state, so no display, no GUI
backend, and safe in a server's threads. Each function takes plain labelled counts,
never the store, and returns the SVG with its figures as a table, so the HTML and the
PDF can show both: a chart is for looking, the table beside it is for reading (and for
screen readers).

The same counts give the same bytes: no date in the metadata, ids from a fixed salt,
glyphs drawn as paths (no font is needed where the SVG is shown).
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

FONTS = Path(__file__).parent / "fonts"
FALLBACK_FAMILIES = ("Noto Sans Thai", "Noto Sans Lao", "Noto Sans Khmer", "Noto Sans Myanmar")
for font in sorted(FONTS.glob("*.ttf")):
    font_manager.fontManager.addfont(font)

# Okabe and Ito's palette: told apart by people with any common colour blindness.
PALETTE = ("#0072B2", "#009E73", "#E69F00", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "ascn-report",
    "svg.fonttype": "path",
    # A label is a name, never TeX: "$" stays a dollar sign.
    "text.parse_math": False,
    # matplotlib's own DejaVu Sans has Latin with Vietnamese; the report's bundled Noto
    # fonts stand in for the scripts of Thailand, Lao PDR, Cambodia and Myanmar.
    "font.family": ["DejaVu Sans", *FALLBACK_FAMILIES],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
WIDTH_INCHES = 7.0
LABEL_WIDTH = 34
"""Characters in a line of a bar's label before it wraps."""
STATUS_COLOURS = {
    "planned": "#56B4E9",
    "ongoing": "#0072B2",
    "completed": "#009E73",
    "stalled": "#E69F00",
    "dropped": "#D55E00",
    "not assessed": "#CC79A7",
    "unassessed": "#BBBBBB",
    "closed": "#555555",
}
"""A status keeps its colour whichever others are shown."""


@dataclass(frozen=True)
class Table:
    """A chart's figures, row by row, as text."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    key: str
    """A name fit for a file or an HTML id: ``focus-areas``."""
    title: str
    description: str
    """What the chart shows, in one or two sentences, with its main figures."""
    svg: str
    """An ``<svg>`` element (no XML prolog), with ``<title>`` and ``<desc>``."""
    table: Table


@dataclass(frozen=True)
class TimelineStep:
    label: str
    opens: date
    deadline: date
    """The deadline as the plan set it."""
    final_deadline: date
    """After every extension; the same as ``deadline`` if none."""
    completed: date | None


def progress_by_focus_area(
    areas: Sequence[tuple[str, Mapping[str, int]]], statuses: Sequence[str]
) -> Chart:
    """Projects per focus area, one stacked bar each, a segment per status (in the order
    of ``statuses``); a project in two areas counts in both."""
    rows = tuple(
        (label, *(str(counts.get(s, 0)) for s in statuses), str(sum(counts.values())))
        for label, counts in areas
    )
    table = Table(("Focus area", *(s.capitalize() for s in statuses), "Projects"), rows)
    total = sum(sum(counts.values()) for _, counts in areas)
    description = (
        f"Projects by focus area and by their assessed status: {total} in all. "
        + "; ".join(
            f"{label}: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in statuses if counts.get(s))
            for label, counts in areas
            if sum(counts.values())
        )
    )
    with rc_context(STYLE):
        figure, axes = _figure([label for label, _ in areas])
        left = [0] * len(areas)
        for index, status in enumerate(statuses):
            widths = [counts.get(status, 0) for _, counts in areas]
            colour = STATUS_COLOURS.get(status, PALETTE[index % len(PALETTE)])
            axes.barh(range(len(areas)), widths, left=left, label=status, color=colour)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.set_xlabel("projects")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if areas:
            figure.legend(loc="outside upper left", ncols=min(len(statuses), 4), frameon=False)
        else:
            _nothing(axes, "no project assessed")
        svg = _svg(figure, "focus-areas", "Progress by focus area", description)
    return Chart("focus-areas", "Progress by focus area", description, svg, table)


def on_time_by_member_state(states: Sequence[tuple[str, int, int]]) -> Chart:
    """Each member state's share of what it owed that it delivered by the deadline:
    ``(label, on time, owed)``."""
    rows = tuple(
        (label, str(on_time), str(owed), _percent(on_time, owed)) for label, on_time, owed in states
    )
    table = Table(("Member state", "On time", "Owed", "Rate"), rows)
    late = [label for label, on_time, owed in states if on_time < owed]
    description = "The share of what each member state owed that it delivered by the deadline. " + (
        "Late: " + ", ".join(late) + "." if late else "None was late."
    )
    with rc_context(STYLE):
        figure, axes = _figure([label for label, _, _ in states])
        rates = [100 * on_time / owed if owed else 0 for _, on_time, owed in states]
        bars = axes.barh(range(len(states)), rates, color=PALETTE[0])
        notes = [f"{on_time} of {owed}" for _, on_time, owed in states]
        axes.bar_label(bars, labels=notes, padding=3)
        axes.set_xlim(0, 115)
        axes.set_xticks([0, 25, 50, 75, 100])
        axes.set_xlabel("% on time")
        if not states:
            _nothing(axes, "nothing was owed")
        svg = _svg(figure, "on-time", "On time, by member state", description)
    return Chart("on-time", "On time, by member state", description, svg, table)


def timeline(steps: Sequence[TimelineStep]) -> Chart:
    """The year's steps as bars from opening to the final deadline, an extension drawn
    lighter, and a mark where each step completed."""
    rows = tuple(
        (
            step.label,
            day(step.opens),
            day(step.deadline),
            "" if step.final_deadline == step.deadline else day(step.final_deadline),
            day(step.completed) if step.completed else "open",
        )
        for step in steps
    )
    table = Table(("Step", "Opens", "Deadline", "Extended to", "Completed"), rows)
    done = sum(1 for step in steps if step.completed)
    extended = [step.label for step in steps if step.final_deadline != step.deadline]
    description = f"The year's {len(steps)} steps, from opening to deadline; {done} completed." + (
        " Extended: " + ", ".join(extended) + "." if extended else ""
    )
    with rc_context(STYLE):
        figure, axes = _figure([step.label for step in steps])
        rows_at = range(len(steps))
        starts = [s.opens.toordinal() for s in steps]
        ends = [max(s.deadline, s.opens).toordinal() + 1 for s in steps]
        axes.barh(rows_at, [e - s for s, e in zip(starts, ends, strict=True)], left=starts,
                  color=PALETTE[0], label="open until the deadline")  # fmt: skip
        extra = [(i, s) for i, s in enumerate(steps) if s.final_deadline > s.deadline]
        if extra:
            axes.barh([i for i, _ in extra],
                      [(s.final_deadline - s.deadline).days for _, s in extra],
                      left=[s.deadline.toordinal() + 1 for _, s in extra],
                      color=PALETTE[5], label="extension")  # fmt: skip
        finished = [(i, s.completed) for i, s in enumerate(steps) if s.completed]
        if finished:
            axes.plot([c.toordinal() + 0.5 for _, c in finished], [i for i, _ in finished],
                      "D", color=PALETTE[3], markersize=6, label="completed",
                      linestyle="none")  # fmt: skip
        if steps:
            months = month_starts(min(starts), max(ends))
            axes.set_xticks([m.toordinal() for m in months], [f"{m:%b}" for m in months])
            figure.legend(loc="outside upper left", ncols=3, frameon=False)
        else:
            _nothing(axes, "no step planned")
        svg = _svg(figure, "timeline", "The year's timeline", description)
    return Chart("timeline", "The year's timeline", description, svg, table)


def _figure(labels: Sequence[str]) -> tuple[Figure, Axes]:
    """A figure as tall as its bars need, the first label at the top; a long label is
    wrapped so the bars keep the width."""
    wrapped = [textwrap.fill(label, LABEL_WIDTH) for label in labels]
    lines = max((label.count("\n") + 1 for label in wrapped), default=1)
    height = 1.0 + (0.1 + 0.13 * lines) * max(len(labels), 2)
    figure = Figure(figsize=(WIDTH_INCHES, height), layout="constrained")
    axes = figure.add_subplot()
    axes.set_yticks(range(len(labels)), wrapped)
    axes.set_ylim(max(len(labels), 1) - 0.5, -0.5)
    return figure, axes


def _nothing(axes: Axes, text: str) -> None:
    axes.set_yticks([])
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center")


def month_starts(first: int, last: int) -> list[date]:
    """The first days of the months between two ordinals, as the timeline's ticks; only
    every third month's when the span is long."""
    day, months = date.fromordinal(first), []
    month = date(day.year, day.month, 1)
    while month.toordinal() <= last:
        if month.toordinal() >= first:
            months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months if len(months) <= 13 else months[::3]


def day(moment: date) -> str:
    """``8 Jul 2018``: how the report writes a day, in its tables and its charts."""
    return f"{moment.day} {moment:%b %Y}"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_ID = re.compile(r'id="([^"]+)"')
_STYLE_ELEMENT = re.compile(r"\s*<defs>\s*<style[^>]*>(.*?)</style>\s*</defs>", re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')
_DECLARATION = re.compile(r"^\s*([a-z-]+)\s*:\s*([^;]+?)\s*$")
_REFERENCE = re.compile(r"(#)([A-Za-z_][\w.-]*)")


def _svg(figure: Figure, key: str, title: str, description: str) -> str:
    """The figure as an ``<svg>`` element to put inline in a page: no prolog, no RDF
    metadata, ids prefixed by ``key`` (three charts share one HTML document), a
    ``<title>`` and a ``<desc>`` that assistive technology reads, and no CSS at all
    (presentation attributes instead), so a page's Content-Security-Policy need not
    allow inline styles for it."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue()))
    text, defaults = _without_css(text)
    ids = set(_ID.findall(text))
    text = _ID.sub(lambda m: f'id="{key}-{m.group(1)}"', text)
    text = _REFERENCE.sub(
        lambda m: f"#{key}-{m.group(2)}" if m.group(2) in ids else m.group(0), text
    )
    head, rest = text.split(">", 1)
    return (
        f'{head}{defaults} role="img" aria-labelledby="{key}-title {key}-desc">'
        f'\n <title id="{key}-title">{escape(title)}</title>'
        f'\n <desc id="{key}-desc">{escape(description)}</desc>{rest}'
    )


def _without_css(svg: str) -> tuple[str, str]:
    """matplotlib's ``style="fill: #fff; stroke: #000"`` as ``fill="#fff" stroke="#000"``,
    and its one ``*{...}`` rule as attributes for the root to hand down; the SVG
    properties it writes are all presentation attributes too."""
    rule = _STYLE_ELEMENT.search(svg)
    defaults = ""
    if rule is not None:
        body = rule.group(1).strip()
        if not (body.startswith("*{") and body.endswith("}")):
            raise ValueError(f"an SVG rule the report does not expect: {body[:80]!r}")
        defaults = " " + _attributes(body[2:-1])
        svg = svg[: rule.start()] + svg[rule.end() :]
    return _STYLE_ATTRIBUTE.sub(lambda m: _attributes(m.group(1)), svg), defaults


def _attributes(declarations: str) -> str:
    pairs = []
    for declaration in filter(str.strip, declarations.split(";")):
        found = _DECLARATION.match(declaration)
        if found is None:
            raise ValueError(f"an SVG style the report does not expect: {declaration!r}")
        pairs.append(f'{found.group(1)}="{found.group(2)}"')
    return " ".join(pairs)
