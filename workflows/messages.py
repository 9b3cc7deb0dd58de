"""What goes into and comes out of a cycle workflow: input, updates, status.

Each is one pydantic model, so fields can be added without breaking running
histories (add with a default; never rename or remove).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Actor
from domain.calendar import CyclePlan
from domain.commands import NominatedCity
from domain.deadlines import DeadlineInput
from domain.events import ExceptionRule, Person
from domain.ledger import NominationLedger
from domain.reference import ReferenceData
from domain.seal import Seal

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class StepDecision(BaseModel):
    """Who settled or last moved a step, and when (the cycle's time). Kept from the
    moment the decision is taken, before its fact is recorded, so that a command
    racing it is refused with this, rather than recorded too."""

    model_config = _FROZEN

    kind: Literal["approved", "waived", "extended"]
    by: str
    at: AwareDatetime

    def describe(self, step: str) -> str:
        return f"{step} is already {self.kind} by {self.by} at {self.at.isoformat()}"


class CycleMemory(BaseModel):
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
    # Nonces of the sealed updates accepted so far: a replayed update is refused.
    nonces: list[str] = Field(default_factory=list)
    # The approval or waiver of each step, from the moment it was decided.
    decided: dict[str, StepDecision] = Field(default_factory=dict)
    # The latest extension of each step's deadline.
    extended: dict[str, StepDecision] = Field(default_factory=dict)


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
    state: CycleMemory | None = None


class SealedUpdate(BaseModel):
    """Every update: who acts, and the services' seal over it (None only in histories
    recorded before seals existed; the validators refuse it)."""

    model_config = _FROZEN

    actor: Actor
    seal: Seal | None = None

    def sealed_payload(self) -> dict[str, Any]:
        """What the seal's MAC covers: everything but the seal, as JSON."""
        return self.model_dump(mode="json", exclude={"seal"})


class SubmitNominationsUpdate(SealedUpdate):
    member_state: str
    national_representative: Person
    cities: tuple[NominatedCity, ...]
    # Histories recorded before seals: the NR's own claim of when it sent it. Ignored
    # now; the seal's receipt time, stamped by the services, decides lateness.
    sent_at: AwareDatetime | None = None


class DeclareNilReturnUpdate(SealedUpdate):
    member_state: str
    sent_at: AwareDatetime | None = None


class GrantExceptionUpdate(SealedUpdate):
    member_state: str
    exception_id: str
    rule: ExceptionRule
    max_cities: int | None = None
    reason: str


class ApproveStepUpdate(SealedUpdate):
    step: str


class ExtendDeadlineUpdate(SealedUpdate):
    step: str
    # An instant (kept in the calendar's zone), or a date: the end of that day there.
    new_deadline: DeadlineInput
    reason: str
    # Later steps due before the new deadline move to it too (else it is refused).
    move_later_steps: bool = False

    def sealed_payload(self) -> dict[str, Any]:
        """Left out while False, so that seals made before the field existed still match."""
        payload = super().sealed_payload()
        if not self.move_later_steps:
            del payload["move_later_steps"]
        return payload


class WaiveStepUpdate(SealedUpdate):
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
