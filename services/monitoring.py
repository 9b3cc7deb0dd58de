"""What the progress review needs to know of IMD's monitoring: which active projects of
the year have neither an assessment nor a recorded reason why not.

The action plans and assessments are kept by their own services; this is the one place
where the cycle's use cases ask about them (``CycleDeps.unassessed``: by default
``activities.records.StoreMonitoring``, which reads the event store).
"""

from __future__ import annotations

from typing import Protocol


class UnassessedProjects(Protocol):
    def __call__(self, year: int) -> list[str]:
        """The ids of the year's active projects with no assessment and no recorded
        reason why not; [] when every one is accounted for."""
        ...
