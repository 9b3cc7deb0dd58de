"""The cycle read models: the projection that builds them and the views that read them."""

from eventstore.readmodels.cycles.projection import NOMINATION_STEP, CycleProjection
from eventstore.readmodels.cycles.views import (
    CycleStatusView,
    CycleSummary,
    CycleView,
    OverdueItem,
    ReportVersionView,
    ReportView,
    StepView,
    cycle_status_view,
    cycle_view,
    list_cycles,
    overdue_items,
)

__all__ = [
    "NOMINATION_STEP",
    "CycleProjection",
    "CycleStatusView",
    "CycleSummary",
    "CycleView",
    "OverdueItem",
    "ReportVersionView",
    "ReportView",
    "StepView",
    "cycle_status_view",
    "cycle_view",
    "list_cycles",
    "overdue_items",
]
