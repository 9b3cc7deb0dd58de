"""What goes into and comes out of a cycle workflow: input, updates, status.

Each is one pydantic model, so fields can be added without breaking running
histories (add with a default; never rename or remove).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Actor
from domain.calendar import CyclePlan
from domain.commands import NominatedCity
from domain.events import ExceptionRule, Person
from domain.ledger import NominationLedger
from domain.reference import ReferenceData

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class CycleState(BaseModel):
    """Everything the workflow knows; carried over on continue-as-new."""

    next_step: int = 0
    deadlines: dict[str, AwareDatetime] = Field(default_factory=dict)
    opened: dict[str, AwareDatetime] = Field(default_factory=dict)
    processed_until: dict[str, AwareDatetime] = Field(default_factory=dict)
    escalated: dict[str, list[str]] = Field(default_factory=dict)
    # "<step>/<rung>/<deadline>" of every escalation sent: each rung of each deadline once.
    fired: list[str] = Field(default_factory=list)
    approved: list[str] = Field(default_factory=list)
    waived: list[str] = Field(default_factory=list)
    completed: list[str] = Field(default_factory=list)
    submitted: list[str] = Field(default_factory=list)
    ledgers: dict[str, NominationLedger] = Field(default_factory=dict)
    ledgers_loaded: bool = False
    started: bool = False


class CycleInput(BaseModel):
    model_config = _FROZEN

    plan: CyclePlan
    reference: ReferenceData
    # Demo and simulation only: the cycle's clock runs this far from the server's,
    # so that a past year's calendar can be replayed on the time-skipping server.
    clock_offset: timedelta = timedelta(0)
    # A new run starts between steps once a run's history is this long, well below
    # Temporal's 10,000-event warning.
    continue_as_new_after: int = Field(default=4_000, ge=1)
    # Upsert year, current step and overdue count (see workflows/search.py).
    search_attributes: bool = False
    state: CycleState | None = None


class _Update(BaseModel):
    model_config = _FROZEN

    actor: Actor


class SubmitNominationsUpdate(_Update):
    member_state: str
    national_representative: Person
    cities: tuple[NominatedCity, ...]
    # When the NR sent it (stamped by the API or CLI), so that a worker outage at the
    # deadline does not make an on-time submission late. None: when it arrives.
    sent_at: AwareDatetime | None = None


class DeclareNilReturnUpdate(_Update):
    member_state: str
    sent_at: AwareDatetime | None = None


class GrantExceptionUpdate(_Update):
    member_state: str
    exception_id: str
    rule: ExceptionRule
    max_cities: int | None = None
    reason: str


class ApproveStepUpdate(_Update):
    step: str


class ExtendDeadlineUpdate(_Update):
    step: str
    new_deadline: AwareDatetime
    reason: str


class WaiveStepUpdate(_Update):
    step: str
    reason: str


class UpdateResult(BaseModel):
    model_config = _FROZEN

    recorded: tuple[str, ...]
    """The types of the events recorded, in order."""


StepState = Literal["pending", "open", "overdue", "completed", "waived"]


class StepStatus(BaseModel):
    model_config = _FROZEN

    step: str
    title: str
    state: StepState
    opens_at: datetime
    deadline: datetime
    owed_by: tuple[str, ...]
    escalated: tuple[str, ...]


class CycleStatus(BaseModel):
    model_config = _FROZEN

    year: int
    zone: str = "UTC"
    """The calendar's time zone: a deadline given as a date ends that day there."""
    chair: str
    shepherd: str
    now: datetime
    current_step: str | None
    overdue: tuple[str, ...]
    steps: tuple[StepStatus, ...]
