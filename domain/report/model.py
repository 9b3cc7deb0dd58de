"""The annual report of one year, as data: what the reporting chain carries to the JCM.

Every figure in a ``Report`` is computed from the events (``build_report``); the one part
a person writes is the drafter's narrative, itself an event (``ReportDrafted``). The
model is frozen and bounded, and its canonical JSON (sorted keys, compact separators,
UTF-8) is what a draft's SHA-256 is taken over, so anyone can compute a version again
from the store and compare.

The sections mirror issue 10's list: the cycle, nominations, membership, action-plan
progress, partners and twinning, what is outstanding, each body's decision, the on-time
rate by member state, and the comparison with the previous year. Lists are plain rows
of labelled counts, in a fixed order, so that a chart can be drawn from them directly.

No e-mail address appears anywhere in a report: people are named, not reached.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.events.chain import MAX_NARRATIVE_SECTIONS, MAX_REPORT_VERSIONS, NarrativeSection

FORMAT = 1
"""The report's format version: a change to what the canonical JSON holds bumps it."""
MAX_ROWS = 100_000
"""The most rows a list of the report holds (a bound, far above any real year)."""
MAX_LINE = 500
MAX_TEXT = 5_000

ReportLine = Annotated[str, StringConstraints(max_length=MAX_LINE)]
"""A name, a label, a title (the builder clips longer text from older events)."""
ReportText = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
"""A reason: several lines at most 5,000 characters long."""
Count = Annotated[int, Field(ge=0)]
_Item = TypeVar("_Item")
Rows = Annotated[tuple[_Item, ...], Field(max_length=MAX_ROWS)]
"""A list of the report, in a fixed order, holding at most ``MAX_ROWS`` rows."""

StepState = Literal["completed", "waived", "open", "not_opened"]
"""Where a planned step stands in the report: settled by completion or waiver, open, or
not yet opened (as of the report's position)."""
Decision = Literal["accepted", "declined", "pending"]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- meta -------------------------------------------------------------------------------


class Meta(_Row):
    """What the report is of: the year, the format, the log position it was computed as
    of (every event at or before it, none after), the draft version (None for the live
    report, computed now), and the cycle's Chair, shepherd, template and time zone
    (None when the store holds no cycle for the year)."""

    year: int = Field(ge=1967, le=9999)
    format: int = Field(default=FORMAT, ge=1, le=1000)
    as_of_position: int = Field(ge=0)
    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSIONS)
    chair: ReportLine | None = None
    """The ASEAN Chair's member state code (e.g. ``SG``)."""
    chair_name: ReportLine | None = None
    shepherd: ReportLine | None = None
    shepherd_name: ReportLine | None = None
    template: ReportLine | None = None
    zone: ReportLine | None = None
    """The cycle's calendar zone; deadlines are shown in it."""


# --- the cycle --------------------------------------------------------------------------


class StepLine(_Row):
    """One planned step: its dates, where it stands, and whether it met its deadline.

    ``original_deadline`` is the plan's; ``final_deadline`` the last one set (by an
    extension or a reopening). ``on_time``: True if the step was completed by the deadline
    in force when it was completed, False if after it; None when waived, open or not
    opened. A missed deadline that was then extended still counts as met if the step was
    completed by the new one: the extension is listed, with its reason."""

    step: ReportLine
    title: ReportLine
    owed_by: ReportLine
    """``member_states``, ``chair_of_ascn``, ``shepherd`` or ``asec``."""
    opens: datetime
    original_deadline: datetime
    final_deadline: datetime
    state: StepState
    completed_on: datetime | None = None
    """When the step was completed or waived (the fact's time)."""
    on_time: bool | None = None


class Extension(_Row):
    """A deadline moved: by whom (the actor label, ``role/id``), why, and by how many days
    (whole days between the two deadlines, rounded down; negative if brought forward)."""

    step: ReportLine
    by: ReportLine
    reason: ReportText
    from_deadline: datetime
    to_deadline: datetime
    days: int
    at: datetime


class Escalation(_Row):
    """A deadline passed with something still owed: the rung, whom it went to, and who
    was outstanding then (party labels such as ``nr:MY``)."""

    step: ReportLine
    rung: ReportLine
    escalated_to: ReportLine
    outstanding: Rows[ReportLine] = ()
    at: datetime


class Waiver(_Row):
    """A step waived by the Chair's team, and why."""

    step: ReportLine
    reason: ReportText
    at: datetime


class Reopening(_Row):
    """A body deferred, or returned for revision, what a step put to it: the step opened
    again until ``to_deadline``."""

    step: ReportLine
    body: ReportLine
    decision: ReportLine
    from_deadline: datetime
    to_deadline: datetime
    at: datetime


class CycleSection(_Row):
    """The year's timetable: every planned step in plan order (the year's timeline), the
    extensions, escalations, waivers and reopenings in the order they happened, and the
    count of settled steps that met or missed their deadline. ``exists`` is False when
    the store holds no cycle for the year (every list is then empty)."""

    exists: bool = False
    steps: Rows[StepLine] = ()
    extensions: Rows[Extension] = ()
    escalations: Rows[Escalation] = ()
    waivers: Rows[Waiver] = ()
    reopenings: Rows[Reopening] = ()
    deadlines_met: Count = 0
    deadlines_missed: Count = 0
    completed: bool = False
    """Whether the cycle itself completed (``CycleCompleted``)."""


# --- nominations ------------------------------------------------------------------------


class NominatedCity(_Row):
    """A nominated city, whether it is its member state's capital, and its CSCO's name."""

    city: ReportLine
    capital: bool
    csco: ReportLine


class MemberStateNominations(_Row):
    """One member state's return for the year, in member state code order.

    ``status``: ``submitted`` (a list of cities), ``nil_return`` (no change: the cities
    of ``carried_forward_from`` carry over, and ``cities`` are those, if the store has
    them) or ``none`` (nothing yet). ``late``: the submission was recorded as late.
    ``national_representative`` and ``cities`` are those of the nominations in force:
    for a nil return, the submission it carries forward (names only, never an e-mail)."""

    member_state: ReportLine
    name: ReportLine
    status: Literal["submitted", "nil_return", "none"]
    national_representative: ReportLine | None = None
    cities: Rows[NominatedCity] = ()
    submitted_on: datetime | None = None
    late: bool = False
    carried_forward_from: int | None = None
    exceptions_applied: Rows[ReportLine] = ()


class GrantedException(_Row):
    """An exception the Chair's team granted to a nomination rule."""

    exception_id: ReportLine
    member_state: ReportLine
    rule: ReportLine
    max_cities: int | None = None
    reason: ReportText


class NominationTotals(_Row):
    """The year's nominations in figures."""

    member_states: Count = 0
    """Member states the report lists (those the cycle plan owes nominations from)."""
    submitted: Count = 0
    nil_returns: Count = 0
    missing: Count = 0
    late: Count = 0
    cities: Count = 0
    capitals: Count = 0
    exceptions: Count = 0


class NominationsSection(_Row):
    """Each member state's return, the totals and the exceptions granted for the year."""

    member_states: Rows[MemberStateNominations] = ()
    totals: NominationTotals = NominationTotals()
    exceptions: Rows[GrantedException] = ()


# --- membership -------------------------------------------------------------------------


class Candidature(_Row):
    """A candidature city proposed for the year, and the Chair's team's decision on it
    (``pending`` while none is recorded)."""

    member_state: ReportLine
    city: ReportLine
    capital: bool
    proposed_on: datetime
    decision: Decision = "pending"
    reason: ReportText = ""
    decided_on: datetime | None = None


class MembershipSection(_Row):
    """Candidature cities proposed or decided in the year, in the order proposed, with
    how many were accepted, declined or are pending."""

    candidatures: Rows[Candidature] = ()
    accepted: Count = 0
    declined: Count = 0
    pending: Count = 0


# --- action-plan progress ---------------------------------------------------------------


class ProgressRow(_Row):
    """Projects of one focus area or one member state (or all), counted by IMD's assessed
    status for the year, plus those IMD said it would not assess (``not_assessed``), the
    active ones it has neither assessed nor explained (``unassessed``), and those the plan
    itself already closes (completed or dropped) that have no assessment (``closed``).
    ``total`` is the sum of all of these. A chart draws the counts as stacked bars."""

    key: ReportLine
    """The focus area's id or the member state's code; ``all`` for the totals."""
    label: ReportLine
    planned: Count = 0
    ongoing: Count = 0
    completed: Count = 0
    stalled: Count = 0
    dropped: Count = 0
    not_assessed: Count = 0
    unassessed: Count = 0
    closed: Count = 0
    total: Count = 0


PROGRESS_COUNTS: tuple[str, ...] = (
    "planned",
    "ongoing",
    "completed",
    "stalled",
    "dropped",
    "not_assessed",
    "unassessed",
    "closed",
)
"""The count fields of a ``ProgressRow``, in the order a chart stacks them."""


class NotAssessed(_Row):
    """A project IMD did not assess for the year, and why."""

    city_id: ReportLine
    project_id: ReportLine
    reason: ReportText


class ProgressSection(_Row):
    """Action-plan progress for the year: over each city's latest plan whose period covers
    the year, IMD's assessments for the year (the latest revision wins). A project with
    several focus areas counts under each, so ``by_focus_area`` may add up to more than
    ``totals``; ``by_member_state`` adds up to it. Focus areas in reference data order,
    then any unknown id; member states by code."""

    plans: Count = 0
    """How many cities' plans cover the year."""
    by_focus_area: Rows[ProgressRow] = ()
    by_member_state: Rows[ProgressRow] = ()
    totals: ProgressRow = ProgressRow(key="all", label="All projects")
    not_assessed: Rows[NotAssessed] = ()


# --- partners and twinning --------------------------------------------------------------


class PartnerLine(_Row):
    """An external partner added in the year, by the Chair's team or the annual meeting."""

    partner_id: ReportLine
    name: ReportLine
    kind: ReportLine
    source: ReportLine


class TwinningLine(_Row):
    """A twinning pair active at some time in the year."""

    city_id: ReportLine
    city: ReportLine
    partner_id: ReportLine
    partner: ReportLine
    starts: date
    ends: date
    exception_id: ReportLine | None = None


class LaunchLine(_Row):
    """A project launched with a partner at the year's annual meeting."""

    city_id: ReportLine
    city: ReportLine
    project_id: ReportLine
    title: ReportLine
    partner_id: ReportLine
    partner: ReportLine


class PartnersSection(_Row):
    """Partners added in the year, twinning pairs active in it, and the projects launched
    with partners at its annual meeting."""

    partners_added: Rows[PartnerLine] = ()
    twinning: Rows[TwinningLine] = ()
    launches: Rows[LaunchLine] = ()


# --- outstanding ------------------------------------------------------------------------


class OutstandingLine(_Row):
    """Who still owes what: a step open (``open``), escalated and still open
    (``escalated``), or completed with something still owed (``completed``), and the
    parties who owe it (labels such as ``nr:MY``, ``asec``)."""

    step: ReportLine
    title: ReportLine
    state: Literal["open", "escalated", "completed"]
    deadline: datetime
    owed_by: Rows[ReportLine] = ()


class OutstandingSection(_Row):
    """What is outstanding as of the report's position, in plan order."""

    items: Rows[OutstandingLine] = ()


# --- decisions --------------------------------------------------------------------------


class DecisionLine(_Row):
    """A body's decision on what a step put to it, as recorded (``BodyDecisionRecorded``;
    a cycle recorded before people decided says ``Noted``, with no meeting or date)."""

    body: ReportLine
    step: ReportLine | None = None
    decision: ReportLine
    decided_on: date | None = None
    meeting: ReportLine | None = None
    concerning: ReportLine | None = None
    document_sha256: ReportLine | None = None


class SubmissionLine(_Row):
    """One of the two JCM submitters' submission: who, the version and its SHA-256."""

    step: ReportLine
    submitter: ReportLine
    version: int | None = None
    document_sha256: ReportLine | None = None
    at: datetime


class DecisionsSection(_Row):
    """Each body's decision so far, and the submissions to the JCM, in the order recorded."""

    decisions: Rows[DecisionLine] = ()
    submissions: Rows[SubmissionLine] = ()


# --- on-time rate -----------------------------------------------------------------------


class OnTimeRow(_Row):
    """One member state's record on the deadlines it owed (steps owed by the member
    states): how many fell due (the deadline passed, or it delivered), how many it met on
    time, and the rate in per mille (``met * 1000 // due``; None when nothing fell due).
    An integer keeps the canonical JSON free of floating point."""

    member_state: ReportLine
    name: ReportLine
    due: Count = 0
    met: Count = 0
    rate_permille: int | None = Field(default=None, ge=0, le=1000)


class OnTimeSection(_Row):
    """The on-time rate by member state, by code."""

    member_states: Rows[OnTimeRow] = ()


# --- comparison -------------------------------------------------------------------------


class Measure(_Row):
    """One headline measure this year and the year before (None: no cycle that year)."""

    key: ReportLine
    label: ReportLine
    this_year: int | None = None
    previous_year: int | None = None


class ComparisonSection(_Row):
    """The same headline measures for this year and the previous one. ``previous_cycle``
    is False when the store holds no cycle for the previous year: ``note`` then says
    ``no cycle`` and every ``previous_year`` is None."""

    previous_year: int
    previous_cycle: bool = False
    note: ReportLine = ""
    measures: tuple[Measure, ...] = Field(default=(), max_length=100)


# --- the report -------------------------------------------------------------------------


class Report(_Row):
    """The annual report of ``meta.year``: the sections in the order they are read."""

    meta: Meta
    cycle: CycleSection
    nominations: NominationsSection
    membership: MembershipSection
    progress: ProgressSection
    partners: PartnersSection
    outstanding: OutstandingSection
    decisions: DecisionsSection
    on_time: OnTimeSection
    comparison: ComparisonSection
    narrative: tuple[NarrativeSection, ...] = Field(default=(), max_length=MAX_NARRATIVE_SECTIONS)
    """The drafter's own sections (``ReportDrafted.narrative``): the one part not computed."""
