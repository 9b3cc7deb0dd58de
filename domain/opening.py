"""When a step that is not open yet will open, said so that it is never a date past.

A step opens at its planned instant, or later if the cycle is still busy with the
step before it (nominations open first, so for them "later" means moments). A
refusal that named a planned instant already past would send people to a date that
cannot help them.
"""

from __future__ import annotations

from datetime import datetime

from domain.calendar import PlannedStep


def when_it_opens(step: PlannedStep, now: datetime) -> str:
    """``"it opens at <instant>"`` if that is still ahead of ``now``; otherwise that
    it is opening now, with no date."""
    if step.opens_at > now:
        return f"it opens at {step.opens_at.isoformat()}"
    return "it is being opened now; try again in a minute"
