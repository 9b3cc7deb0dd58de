"""The report's sections besides the cycle's timetable: nominations, membership,
action-plan progress, partners and twinning, decisions, and the on-time rate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from domain.errors import DomainError
from domain.events import (
    BodyDecisionRecorded,
    CityDecided,
    CityProposed,
    NilReturnDeclared,
    NominationsSubmitted,
    Noted,
    PartnerAdded,
    ProjectAssessed,
    ProjectLaunchedAtMeeting,
    ReportSubmitted,
    TwinningPaired,
)
from domain.membership import Membership
from domain.monitoring import MonitoringState, active_projects, project_key
from domain.plans import city_by_id
from domain.reference import ReferenceData
from domain.report.cycle import NOMINATION_STEP, CycleFold
from domain.report.facts import Fact, utc
from domain.report.index import Index
from domain.report.model import (
    Candidature,
    DecisionLine,
    DecisionsSection,
    GrantedException,
    LaunchLine,
    MembershipSection,
    MemberStateNominations,
    NominatedCity,
    NominationsSection,
    NominationTotals,
    NotAssessed,
    OnTimeRow,
    OnTimeSection,
    PartnerLine,
    PartnersSection,
    ProgressRow,
    ProgressSection,
    SubmissionLine,
    TwinningLine,
)
from domain.report.text import line, text
from domain.values import canonical_key


class Names:
    """What the report calls member states, cities and partners: the reference data as
    the membership stream has changed it, and the partners' own names."""

    def __init__(self, reference: ReferenceData, index: Index) -> None:
        membership = Membership.from_events(f.event for f in index.membership)
        self.reference = membership.reference(reference)
        self._states = {s.code: s.name for s in self.reference.member_states}
        self._plans = {plan.city_id: plan.city for plan in index.latest_plans()}
        self._partners: dict[str, str] = {}
        for fact in index.partners:
            assert isinstance(fact.event, PartnerAdded)
            self._partners.setdefault(fact.event.partner_id, fact.event.name)

    def state(self, code: str) -> str:
        return line(self._states.get(code, code))

    def city(self, city_id: str) -> str:
        if city_id in self._plans:
            return line(self._plans[city_id])
        try:
            return line(city_by_id(self.reference, city_id).name)
        except DomainError:
            return line(city_id)

    def partner(self, partner_id: str) -> str:
        return line(self._partners.get(partner_id, partner_id))


# --- nominations ------------------------------------------------------------------------


def returned(index: Index, year: int) -> set[str]:
    """The member states with a return (a list, or no change) for ``year``."""
    return {
        code
        for code, facts in index.nominations.items()
        if any(
            isinstance(f.event, NominationsSubmitted | NilReturnDeclared) and f.event.year == year
            for f in facts
        )
    }


def nominations_section(
    index: Index, cycle: CycleFold, year: int, names: Names
) -> NominationsSection:
    codes = set(cycle.member_states())
    codes |= {c for c, facts in index.nominations.items() if any(_of(f, year) for f in facts)}
    rows: list[MemberStateNominations] = []
    exceptions: list[GrantedException] = []
    for code in sorted(codes):
        ledger = index.ledger(code)
        rows.append(_return(index, code, year, names))
        exceptions += [
            GrantedException(
                exception_id=line(e.exception_id), member_state=code, rule=e.rule,
                max_cities=e.max_cities, reason=text(e.reason),
            )
            for e in ledger.exceptions_for(year)
        ]  # fmt: skip
    totals = NominationTotals(
        member_states=len(rows),
        submitted=sum(1 for r in rows if r.status == "submitted"),
        nil_returns=sum(1 for r in rows if r.status == "nil_return"),
        missing=sum(1 for r in rows if r.status == "none"),
        late=sum(1 for r in rows if r.late),
        cities=sum(len(r.cities) for r in rows),
        capitals=sum(1 for r in rows for c in r.cities if c.capital),
        exceptions=len(exceptions),
    )
    return NominationsSection(
        member_states=tuple(rows), totals=totals, exceptions=tuple(exceptions)
    )


def _of(fact: Fact, year: int) -> bool:
    return getattr(fact.event, "year", None) == year


def _return(index: Index, code: str, year: int, names: Names) -> MemberStateNominations:
    ledger = index.ledger(code)
    decision = ledger.decision_for(year)
    if decision is None:
        return MemberStateNominations(member_state=code, name=names.state(code), status="none")
    accepted = ledger.accepted_for(year)
    submitted_on = max(
        utc(f.occurred_at)
        for f in index.nominations[code]
        if isinstance(f.event, NominationsSubmitted | NilReturnDeclared) and f.event.year == year
    )
    nil = isinstance(decision, NilReturnDeclared)
    return MemberStateNominations(
        member_state=code,
        name=names.state(code),
        status="nil_return" if nil else "submitted",
        national_representative=(
            line(accepted.national_representative.name) if accepted is not None else None
        ),
        cities=tuple(
            NominatedCity(city=line(c.city), capital=c.capital, csco=line(c.csco.name))
            for c in (accepted.cities if accepted is not None else ())
        ),
        submitted_on=submitted_on,
        late=bool(ledger.late_for(year)),
        carried_forward_from=decision.carried_forward_from if nil else None,  # type: ignore[union-attr]
        exceptions_applied=(
            () if nil else tuple(line(e) for e in decision.exceptions_applied)  # type: ignore[union-attr]
        ),
    )


# --- membership -------------------------------------------------------------------------


def membership_section(index: Index, year: int) -> MembershipSection:
    """Candidatures proposed in ``year`` or decided in it, in the order proposed. A
    decision settles the earliest pending proposal of the same city (as
    ``domain.membership`` matches them)."""
    found: list[tuple[Fact, Fact | None]] = []
    for fact in index.membership:
        event = fact.event
        if isinstance(event, CityProposed):
            found.append((fact, None))
        elif isinstance(event, CityDecided):
            for i, (proposal, decided) in enumerate(found):
                assert isinstance(proposal.event, CityProposed)
                if decided is None and _same(proposal.event, event):
                    found[i] = (proposal, fact)
                    break
    rows: list[Candidature] = []
    for proposal, decided in found:
        assert isinstance(proposal.event, CityProposed)
        decision = decided.event if decided is not None else None
        assert decision is None or isinstance(decision, CityDecided)
        if proposal.event.year != year and (decision is None or decision.year != year):
            continue
        rows.append(
            Candidature(
                member_state=proposal.event.member_state, city=line(proposal.event.city),
                capital=proposal.event.capital, proposed_on=utc(proposal.occurred_at),
                decision=decision.decision if decision else "pending",
                reason=text(decision.reason) if decision else "",
                decided_on=utc(decided.occurred_at) if decided else None,
            )
        )  # fmt: skip
    count = Counter(r.decision for r in rows)
    return MembershipSection(
        candidatures=tuple(rows),
        accepted=count["accepted"],
        declined=count["declined"],
        pending=count["pending"],
    )


def _same(proposed: CityProposed, decided: CityDecided) -> bool:
    return proposed.member_state == decided.member_state and canonical_key(
        proposed.city
    ) == canonical_key(decided.city)


# --- action-plan progress ---------------------------------------------------------------

_ASSESSED = ("planned", "ongoing", "completed", "stalled", "dropped")


def progress_section(index: Index, year: int, names: Names) -> ProgressSection:
    """IMD's view of ``year`` over each city's current plan covering it."""
    plans = [p for p in index.latest_plans() if p.period_start <= year <= p.period_end]
    facts = index.monitoring.get(year, [])
    monitoring = MonitoringState.of(f.event for f in facts)
    assessed: dict[str, str] = {}
    for fact in facts:  # in log order: the latest revision wins
        if isinstance(fact.event, ProjectAssessed):
            assessed[project_key(fact.event.city_id, fact.event.project_id)] = fact.event.status
    active = set(active_projects(year, plans))
    areas: dict[str, Counter[str]] = {}
    states: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    not_assessed: list[NotAssessed] = []
    for plan in plans:
        for project in plan.projects:
            key = project_key(plan.city_id, project.project_id)
            kind = _kind(key, assessed, monitoring, active)
            if kind == "not_assessed":
                not_assessed.append(
                    NotAssessed(
                        city_id=plan.city_id, project_id=project.project_id,
                        reason=text(monitoring.reasons[key]),
                    )
                )  # fmt: skip
            totals[kind] += 1
            states.setdefault(plan.member_state, Counter())[kind] += 1
            for area in project.focus_areas:
                areas.setdefault(area, Counter())[kind] += 1
    known = [term.id for term in names.reference.focus_areas]
    labels = {term.id: term.name for term in names.reference.focus_areas}
    order = known + sorted(set(areas) - set(known))
    return ProgressSection(
        plans=len(plans),
        by_focus_area=tuple(
            _row(area, labels.get(area, area), areas.get(area, Counter())) for area in order
        ),
        by_member_state=tuple(
            _row(code, names.state(code), states[code]) for code in sorted(states)
        ),
        totals=_row("all", "All projects", totals),
        not_assessed=tuple(sorted(not_assessed, key=lambda n: (n.city_id, n.project_id))),
    )


def _kind(key: str, assessed: dict[str, str], monitoring: MonitoringState, active: set[str]) -> str:
    if key in assessed:
        return assessed[key]
    if key in monitoring.reasons:
        return "not_assessed"
    return "unassessed" if key in active else "closed"


def _row(key: str, label: str, counts: Counter[str]) -> ProgressRow:
    return ProgressRow(
        key=line(key), label=line(label), total=sum(counts.values()),
        **{name: counts[name] for name in (*_ASSESSED, "not_assessed", "unassessed", "closed")},
    )  # fmt: skip


# --- partners and twinning --------------------------------------------------------------


def partners_section(index: Index, year: int, names: Names) -> PartnersSection:
    added = [
        PartnerLine(
            partner_id=e.partner_id, name=line(e.name), kind=e.kind, source=e.source,
        )
        for e in (f.event for f in index.partners)
        if isinstance(e, PartnerAdded) and e.year == year
    ]  # fmt: skip
    first, last = date(year, 1, 1), date(year, 12, 31)
    pairs = [
        TwinningLine(
            city_id=e.city_id, city=names.city(e.city_id), partner_id=e.partner_id,
            partner=names.partner(e.partner_id), starts=e.starts, ends=e.ends,
            exception_id=e.exception_id,
        )
        for e in (f.event for f in index.twinning)
        if isinstance(e, TwinningPaired) and e.starts <= last and e.ends >= first
    ]  # fmt: skip
    launches = [
        LaunchLine(
            city_id=e.city_id, city=names.city(e.city_id), project_id=e.project_id,
            title=line(e.title), partner_id=e.partner_id, partner=names.partner(e.partner_id),
        )
        for e in (f.event for f in index.launches.get(year, []))
        if isinstance(e, ProjectLaunchedAtMeeting)
    ]  # fmt: skip
    return PartnersSection(
        partners_added=tuple(added),
        twinning=tuple(sorted(pairs, key=lambda p: (p.city_id, p.starts, p.partner_id))),
        launches=tuple(launches),
    )


# --- decisions --------------------------------------------------------------------------


def decisions_section(facts: Iterable[Fact]) -> DecisionsSection:
    decisions: list[DecisionLine] = []
    submissions: list[SubmissionLine] = []
    for fact in facts:
        event = fact.event
        if isinstance(event, BodyDecisionRecorded):
            decisions.append(
                DecisionLine(
                    body=line(event.body), step=line(event.step), decision=event.decision,
                    decided_on=event.decided_on, meeting=line(event.meeting),
                    concerning=line(event.concerning), document_sha256=event.document_sha256,
                )
            )  # fmt: skip
        elif isinstance(event, Noted):
            decisions.append(DecisionLine(body=line(event.body), decision=event.decision))
        elif isinstance(event, ReportSubmitted):
            submissions.append(
                SubmissionLine(
                    step=line(event.step), submitter=event.submitter, version=event.version,
                    document_sha256=event.document_sha256, at=utc(fact.occurred_at),
                )
            )  # fmt: skip
    return DecisionsSection(decisions=tuple(decisions), submissions=tuple(submissions))


# --- on-time rate -----------------------------------------------------------------------


def on_time_section(index: Index, cycle: CycleFold, year: int, names: Names) -> OnTimeSection:
    """Each member state's record on the steps the member states owe.

    The nominations: a member state's return fell due when it made one (met unless
    recorded late), or, without one, once the deadline passed with it outstanding (the
    step escalated or completed). Any other step they owe together: it fell due for each
    member state once completed (met if on time) or escalated naming it (not met)."""
    due: Counter[str] = Counter()
    met: Counter[str] = Counter()
    codes = cycle.member_states()
    made = returned(index, year)
    for step in cycle.steps.values():
        if step.planned is None or step.planned.owed_by != "member_states" or step.waived:
            continue
        owing = [p.removeprefix("nr:") for p in step.planned.parties if p.startswith("nr:")]
        for code in owing:
            party = f"nr:{code}"
            if step.name == NOMINATION_STEP:
                if code in made:
                    due[code] += 1
                    met[code] += 0 if index.ledger(code).late_for(year) else 1
                elif step.completed or party in step.ever_escalated:
                    due[code] += 1
            elif step.completed:
                due[code] += 1
                met[code] += 1 if step.on_time else 0
            elif party in step.ever_escalated:
                due[code] += 1
    rows = [
        OnTimeRow(
            member_state=code, name=names.state(code), due=due[code], met=met[code],
            rate_permille=met[code] * 1000 // due[code] if due[code] else None,
        )
        for code in codes
    ]  # fmt: skip
    return OnTimeSection(member_states=tuple(rows))
