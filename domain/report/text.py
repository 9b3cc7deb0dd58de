"""Text as the report holds it: bounded, so that any event's text fits the model."""

from __future__ import annotations

from domain.report.model import MAX_LINE, MAX_TEXT


def line(value: str) -> str:
    """A name, label or title, clipped to the report's bound for one line."""
    return value[:MAX_LINE]


def text(value: str) -> str:
    """A reason, clipped to the report's bound for several lines."""
    return value[:MAX_TEXT]
