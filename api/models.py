"""Request and response bodies. Unknown fields are refused (422), so a typo never passes.

Lengths are capped at what the read models store (e.g. 200 characters for a name),
so that a request the cycle accepts can always be projected.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.commands import NominatedCity
from domain.deadlines import DeadlineInput
from domain.events import ExceptionRule, Person
from domain.text import MULTI_LINE_TEXT, ONE_LINE_TEXT
from domain.users import Role, UserName
from domain.values import MAX_CITIES_UNDER_EXCEPTION, MemberStateCode, NonEmptyStr, Year

_BODY = ConfigDict(extra="forbid")

Template = Literal["recurring", "inaugural-2018"]
# Paths and other one-line fields outside free text: no control characters.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
# Free text (domain.text): a name is one line, with no control or bidirectional
# character; a reason may span lines (line feeds and tabs), nothing else of those.
Name = Annotated[NonEmptyStr, Field(max_length=200), ONE_LINE_TEXT]
Reason = Annotated[NonEmptyStr, Field(max_length=2000), MULTI_LINE_TEXT]


class StartCycleBody(BaseModel):
    model_config = _BODY

    year: Year
    template: Template = "recurring"
    calendar: dict[str, Any] | None = Field(
        default=None,
        description='The year\'s calendar file, as JSON (README: "Calendar files"): its '
        "template, zone, annual meeting, reminders, ladder and the steps' dates. Checked "
        "as `ascn calendar check` does; each problem is named in the 422's errors.",
    )
    allow_past_deadlines: bool = False
    """Start even if the cycle's first deadline has passed (to record a year gone by);
    without it such a start is refused (409), naming the deadline."""

    @model_validator(mode="after")
    def _one_template(self) -> StartCycleBody:
        named = self.calendar.get("template") if self.calendar is not None else None
        if "template" in self.model_fields_set and named is not None and named != self.template:
            raise ValueError(f"the calendar follows the {named} template, not {self.template}")
        return self

    @field_validator("template")
    @classmethod
    def _inaugural_is_2018(cls, template: str, info: ValidationInfo) -> str:
        year = info.data.get("year")
        if template == "inaugural-2018" and year is not None and year != 2018:
            raise ValueError(f"the inaugural-2018 template is for 2018, not {year}")
        return template


class CycleStarted(BaseModel):
    year: int
    workflow_id: str
    run_id: str
    template: str
    started_by: str


class PersonBody(BaseModel):
    model_config = _BODY

    name: Name
    # Parsed by email-validator (no DNS look-up): a CSCO's or an NR's address ends up in
    # mails and pages, so nothing that merely contains an @ passes.
    email: Annotated[EmailStr, Field(max_length=320)]

    def domain(self) -> Person:
        return Person(name=self.name, email=self.email)


class CityBody(BaseModel):
    model_config = _BODY

    city: Name
    csco: PersonBody

    def domain(self) -> NominatedCity:
        return NominatedCity(city=self.city, csco=self.csco.domain())


class Nominations(BaseModel):
    model_config = _BODY

    member_state: MemberStateCode
    national_representative: PersonBody
    cities: list[CityBody] = Field(max_length=50)
    sent_at: AwareDatetime | None = Field(default=None, deprecated=True)
    """Ignored: lateness is decided by the time ascn received the submission."""


class NilReturn(BaseModel):
    model_config = _BODY

    member_state: MemberStateCode
    sent_at: AwareDatetime | None = Field(default=None, deprecated=True)
    """Ignored: lateness is decided by the time ascn received the nil return."""


class ExceptionGrant(BaseModel):
    model_config = _BODY

    member_state: MemberStateCode
    exception_id: Annotated[NonEmptyStr, Field(max_length=100), ONE_LINE_TEXT]
    rule: ExceptionRule
    max_cities: Annotated[int, Field(ge=1, le=MAX_CITIES_UNDER_EXCEPTION)] | None = Field(
        default=None, validate_default=True
    )
    """Required for ``max_cities``, refused for ``capital_required``."""
    reason: Reason

    @field_validator("max_cities")
    @classmethod
    def _max_cities_fits_the_rule(cls, max_cities: int | None, info: ValidationInfo) -> int | None:
        # A missing field is the request's fault (422), not the cycle's refusal (409).
        rule = info.data.get("rule")
        if rule == "max_cities" and max_cities is None:
            raise ValueError("Field required when rule is max_cities")
        if rule == "capital_required" and max_cities is not None:
            raise ValueError("must be left out when rule is capital_required")
        return max_cities


class Extension(BaseModel):
    model_config = _BODY

    new_deadline: DeadlineInput
    """A date and time with its offset, or a date (YYYY-MM-DD): the end of that day in
    the cycle's time zone. Either way the cycle keeps it in its own zone."""
    reason: Reason
    move_later_steps: bool = False
    """Also move later steps due before the new deadline to it (each recorded as its own
    extension, with this reason); without it such an extension is refused."""


class Waiver(BaseModel):
    model_config = _BODY

    reason: Reason


class Recorded(BaseModel):
    recorded: list[str]
    """The types of the events the cycle recorded, in order."""


class BrokenLinkOut(BaseModel):
    stream_id: str
    version: int
    position: int
    reason: str


class VerifyOut(BaseModel):
    ok: bool
    events_checked: int
    streams_checked: int
    broken: BrokenLinkOut | None


class NewUser(BaseModel):
    model_config = _BODY

    name: Annotated[UserName, Field(max_length=64, examples=["nr-th"])]
    """A slug: lower-case letters, digits, '.', '_' and '-'; the actor id of all they do."""
    role: Annotated[Role, Field(max_length=20, examples=["nr:TH"])]


class TokenInfoOut(BaseModel):
    """A token as listed: its public id and times, never the token."""

    token_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class UserOut(BaseModel):
    name: str
    role: str
    created_at: datetime
    disabled: bool
    tokens: list[TokenInfoOut]


class TokenOut(BaseModel):
    token: str
    """Shown this once; only its SHA-256 is kept."""
    token_id: str
    """Its public id: revoke or rotate the token by it."""
    expires_at: datetime
    name: str
    role: str
