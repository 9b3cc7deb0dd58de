"""Planning a year's cycle for the yearly Schedule: the plan, and whether the year is free."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from temporalio import activity

from activities.errors import refusals_are_final
from activities.working_days import with_civil_hours
from domain.calendar import CyclePlan
from domain.errors import DomainError
from domain.planning import plan_cycle
from domain.reference import ReferenceData
from domain.streams import cycle_stream
from eventstore.store import EventStore


class CycleAlreadyRan(DomainError):
    """The store holds a cycle of that year: a year has one cycle, run once."""


class PlanRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int | None = None
    """None: the year of ``at`` in ``zone`` (the Schedule's own calendar)."""
    at: AwareDatetime | None = None
    zone: str = Field(default="Asia/Jakarta", min_length=1, max_length=64)
    template: str = "recurring"
    search_attributes: bool = False

    @model_validator(mode="after")
    def _a_year_or_a_moment(self) -> PlanRequest:
        if self.year is None and self.at is None:
            raise ValueError("a plan request names a year, or the moment whose year it is")
        return self

    def resolved_year(self) -> int:
        if self.year is not None:
            return self.year
        assert self.at is not None
        return self.at.astimezone(ZoneInfo(self.zone)).year


class PlannedCycle(BaseModel):
    """What a cycle runs: its plan and the reference data it was planned against."""

    model_config = ConfigDict(frozen=True)

    plan: CyclePlan
    reference: ReferenceData


def refuse_a_year_that_ran(store: EventStore, year: int) -> None:
    """A year whose cycle left facts in the store is never started again: its event ids
    would collide with the earlier run's, even after Temporal has forgotten that run."""
    recorded = store.stream_version(cycle_stream(year))
    if recorded:
        raise CycleAlreadyRan(
            f"the {year} cycle has already started ({recorded} facts in {cycle_stream(year)}); "
            "a year has one cycle"
        )


class PlanningActivities:
    def __init__(self, reference: ReferenceData, store: EventStore) -> None:
        self._reference = reference
        self._store = store

    @activity.defn(name="plan_cycle")
    @refusals_are_final
    def plan_cycle(self, request: PlanRequest) -> PlannedCycle:
        year = request.resolved_year()
        refuse_a_year_that_ran(self._store, year)
        plan = plan_cycle(self._reference, year, request.template)
        return PlannedCycle(plan=with_civil_hours(plan, self._reference), reference=self._reference)
