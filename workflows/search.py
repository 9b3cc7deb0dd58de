"""Search attributes of a cycle, for the Temporal web UI and `temporal workflow list`.

They must be registered on the namespace first (`ascn up` does it on the dev server;
docker-compose runs `temporal operator search-attribute create`), so a cycle upserts
them only when its input asks to.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from workflows.messages import CycleInput

YEAR = SearchAttributeKey.for_int("AscnYear")
CURRENT_STEP = SearchAttributeKey.for_keyword("AscnCurrentStep")
OVERDUE = SearchAttributeKey.for_int("AscnOverdueCount")
ALL = (YEAR, CURRENT_STEP, OVERDUE)


def at_start(cycle: CycleInput) -> TypedSearchAttributes | None:
    """What a cycle starts with, so that it is listed before its first step opens."""
    if not cycle.search_attributes:
        return None
    return TypedSearchAttributes(
        [
            SearchAttributePair(YEAR, cycle.plan.year),
            SearchAttributePair(CURRENT_STEP, "none"),
            SearchAttributePair(OVERDUE, 0),
        ]
    )
