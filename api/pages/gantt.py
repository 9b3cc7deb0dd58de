"""A cycle's timeline as an SVG Gantt chart, computed as plain geometry.

``gantt(bars, today)`` turns each step's dates into rectangles and lines in a fixed
coordinate system; the template ``_gantt.html`` draws them. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

LABEL_W = 190.0
CHART_W = 760.0
ROW_H = 26.0
TOP = 24.0
BAR_H = 14.0


@dataclass(frozen=True)
class StepDates:
    """What the chart shows of one step."""

    step: str
    state: str
    opens: datetime | None
    deadline: datetime | None
    extensions: tuple[tuple[datetime, datetime], ...] = ()
    """(previous deadline, new deadline) per extension, in order."""
    escalations: tuple[tuple[datetime, str], ...] = ()
    """(when, rung) per escalation."""


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Row:
    step: str
    state: str
    y: float
    bar: tuple[float, float] | None
    """x and width of the step's original span (opening to first deadline)."""
    extensions: tuple[tuple[float, float], ...]
    deadline_x: float | None
    escalations: tuple[Mark, ...]
    summary: str


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    label_w: float
    rows: tuple[Row, ...]
    months: tuple[Mark, ...]
    today_x: float | None
    today_label: str
    start: datetime | None = None
    end: datetime | None = None
    ticks: list[Mark] = field(default_factory=list)


def _span(bars: list[StepDates]) -> tuple[datetime, datetime] | None:
    points: list[datetime] = []
    for bar in bars:
        points += [p for p in (bar.opens, bar.deadline) if p is not None]
        points += [new for _, new in bar.extensions]
        points += [when for when, _ in bar.escalations]
    if not points:
        return None
    start, end = min(points), max(points)
    if end - start < timedelta(days=1):
        end = start + timedelta(days=1)
    margin = (end - start) / 40
    return start - margin, end + margin


def gantt(bars: list[StepDates], today: datetime) -> Chart:
    span = _span(bars)
    height = TOP + ROW_H * max(1, len(bars)) + 8
    width = LABEL_W + CHART_W
    if span is None:
        rows = tuple(
            Row(b.step, b.state, TOP + i * ROW_H, None, (), None, (), f"{b.step}: no dates")
            for i, b in enumerate(bars)
        )
        return Chart(width, height, LABEL_W, rows, (), None, "")
    start, end = span
    total = (end - start).total_seconds()

    def x(at: datetime) -> float:
        return round(LABEL_W + CHART_W * (at - start).total_seconds() / total, 1)

    drawn: list[Row] = []
    for index, bar in enumerate(bars):
        y = TOP + index * ROW_H
        first_deadline = bar.extensions[0][0] if bar.extensions else bar.deadline
        span_bar = None
        if bar.opens is not None and first_deadline is not None:
            left = x(bar.opens)
            span_bar = (left, max(2.0, round(x(first_deadline) - left, 1)))
        extensions = tuple(
            (x(old), max(2.0, round(x(new) - x(old), 1))) for old, new in bar.extensions
        )
        marks = tuple(Mark(x(when), y, rung) for when, rung in bar.escalations)
        due = bar.deadline.strftime("%d %b %Y") if bar.deadline else "no deadline"
        summary = (
            f"{bar.step} ({bar.state}): due {due}; {len(bar.extensions)} extension(s), "
            f"{len(bar.escalations)} escalation(s)"
        )
        drawn.append(
            Row(
                bar.step,
                bar.state,
                y,
                span_bar,
                extensions,
                None if bar.deadline is None else x(bar.deadline),
                marks,
                summary,
            )
        )
    months = []
    month = datetime(start.year, start.month, 1, tzinfo=start.tzinfo)
    while month <= end:
        if month >= start and x(month) < width - 50:
            months.append(Mark(x(month), 14.0, month.strftime("%b %Y")))
        month = datetime(
            month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=month.tzinfo
        )
    today_x = x(today) if start <= today <= end else None
    return Chart(
        width,
        height,
        LABEL_W,
        tuple(drawn),
        tuple(months),
        today_x,
        today.strftime("today %d %b %Y"),
        start,
        end,
    )
