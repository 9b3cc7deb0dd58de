"""The report's content checked against the seeded facts (``tests.report.seed``), as a
structure: each figure is worked out by hand from the facts listed there."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.events import DeadlineExtended, ProjectAssessed, StepWaived
from domain.report import (
    MAX_TEXT,
    NO_CYCLE,
    Fact,
    Report,
    ReportError,
    build_report,
    canonical_json,
    document_sha256,
    from_json,
)
from tests.report import seed

FACTS = seed.facts()


def report(year: int = 2019, facts: list[Fact] | None = None) -> Report:
    return build_report(year, FACTS if facts is None else facts, reference=seed.REFERENCE)


@pytest.fixture(scope="module")
def r2019() -> Report:
    return report()


def row(rows: tuple[object, ...], attr: str, key: str) -> object:
    (found,) = [r for r in rows if getattr(r, attr) == key]
    return found


def test_meta_names_the_cycle(r2019: Report) -> None:
    meta = r2019.meta
    assert (meta.year, meta.chair, meta.shepherd, meta.template) == (2019, "TH", "SG", "recurring")
    assert (meta.chair_name, meta.zone, meta.version) == ("Thailand", "Asia/Jakarta", None)
    assert meta.as_of_position == len(FACTS)


def test_progress_by_focus_area_and_member_state(r2019: Report) -> None:
    areas = {r.key: r for r in r2019.progress.by_focus_area}
    # Reference data order: every focus area is listed, with or without projects.
    assert list(areas) == [a.id for a in seed.REFERENCE.focus_areas]
    civic = areas["civic_and_social"]  # Singapore's digital id (stalled), Siem Reap's wifi
    assert (civic.stalled, civic.not_assessed, civic.total) == (1, 1, 2)
    assert areas["built_infrastructure"].completed == 1  # revision 2 wins over 1 (ongoing)
    assert areas["built_infrastructure"].ongoing == 0
    assert areas["health_and_well_being"].unassessed == 1  # active, neither assessed nor why
    assert areas["quality_environment"].closed == 1  # dropped by the plan's version 2
    assert areas["safety_and_security"].closed == 1  # the plan says completed
    assert areas["industry_and_innovation"].stalled == 1
    states = {r.key: r for r in r2019.progress.by_member_state}
    assert list(states) == ["KH", "SG"]  # Bangkok's plan starts in 2020
    assert (states["KH"].completed, states["KH"].not_assessed, states["KH"].closed) == (1, 1, 1)
    assert (states["SG"].stalled, states["SG"].unassessed, states["SG"].closed) == (1, 1, 1)
    totals = r2019.progress.totals
    assert totals.total == 6 == sum(r.total for r in states.values())
    assert r2019.progress.plans == 2
    (why,) = r2019.progress.not_assessed
    assert (why.city_id, why.project_id, why.reason) == (
        "KH-siem-reap",
        "wifi",
        "No report from the city",
    )


def test_nominations_late_nil_returns_and_exceptions(r2019: Report) -> None:
    states = {r.member_state: r for r in r2019.nominations.member_states}
    assert [c for c, r in states.items() if r.late] == ["MY"]
    assert states["MY"].exceptions_applied == ("my-2019-four",)
    assert len(states["MY"].cities) == 4
    sg = states["SG"]
    assert (sg.status, sg.carried_forward_from) == ("nil_return", 2018)
    assert [(c.city, c.capital, c.csco) for c in sg.cities] == [("Singapore", True, "Tan Ah Kow")]
    th = states["TH"]
    assert th.national_representative == "Somchai Boon"
    assert [(c.city, c.capital) for c in th.cities] == [("Bangkok", True), ("Phuket", False)]
    assert states["BN"].status == "none"
    totals = r2019.nominations.totals
    assert (totals.member_states, totals.submitted, totals.nil_returns) == (10, 3, 1)
    assert (totals.missing, totals.late, totals.cities, totals.capitals) == (6, 1, 10, 4)
    (granted,) = r2019.nominations.exceptions
    assert (granted.exception_id, granted.rule, granted.max_cities) == (
        "my-2019-four",
        "max_cities",
        4,
    )


def test_cycle_steps_extensions_escalations_waivers_reopenings(r2019: Report) -> None:
    cycle = r2019.cycle
    steps = {s.step: s for s in cycle.steps}
    nomination = steps["nomination_deadline"]
    assert nomination.original_deadline.date() == date(2019, 2, 28)
    assert nomination.final_deadline.date() == date(2019, 3, 7)
    assert (nomination.state, nomination.on_time) == ("completed", False)
    assert (steps["scgw"].on_time, steps["jcm_submission"].on_time) == (True, False)
    assert (steps["acc"].state, steps["acc"].on_time) == ("waived", None)
    assert (steps["summit"].state, steps["summit"].final_deadline.date()) == (
        "open",
        date(2019, 12, 20),
    )
    assert (cycle.deadlines_met, cycle.deadlines_missed) == (3, 2)
    (extension,) = cycle.extensions
    assert (extension.by, extension.reason, extension.days) == (
        "chair_team:TH/anan",
        seed.EXTENSION_REASON,
        7,
    )
    assert [(e.step, e.escalated_to) for e in cycle.escalations] == [
        ("nomination_deadline", "shepherd:SG"),
        ("jcm_submission", "chair_of_ascn:nr:TH"),
    ]
    assert "nr:MY" in cycle.escalations[0].outstanding
    assert [(w.step, w.reason) for w in cycle.waivers] == [("acc", seed.WAIVER_REASON)]
    (reopened,) = cycle.reopenings
    assert (reopened.step, reopened.body, reopened.decision) == (
        "summit",
        "ASEAN Summit",
        "deferred",
    )


def test_outstanding_says_who_owes_what(r2019: Report) -> None:
    items = {i.step: i for i in r2019.outstanding.items}
    assert set(items) == {"nomination_deadline", "summit"}
    assert items["nomination_deadline"].state == "completed"
    assert items["nomination_deadline"].owed_by == tuple(
        f"nr:{c}" for c in ("BN", "ID", "LA", "MM", "PH", "VN")
    )
    assert (items["summit"].state, items["summit"].owed_by) == ("open", ("nr:TH",))


def test_an_escalated_joint_submission_is_owed_by_whoever_has_not_submitted() -> None:
    until = next(f.position for f in FACTS if f.event.event_type == "ReportSubmitted")
    escalated = next(
        f.position
        for f in FACTS
        if f.event.event_type == "StepEscalated" and f.event.step == "jcm_submission"  # type: ignore[attr-defined]
    )
    facts = [f for f in FACTS if f.position <= escalated]
    assert until < escalated
    items = {i.step: i for i in report(facts=facts).outstanding.items}
    assert (items["jcm_submission"].state, items["jcm_submission"].owed_by) == (
        "escalated",
        ("shepherd:SG",),
    )


def test_membership_candidature_cities(r2019: Report) -> None:
    rows = [(c.member_state, c.city, c.decision, c.reason) for c in r2019.membership.candidatures]
    assert rows == [
        ("TH", "Chiang Mai", "accepted", ""),  # decided as "chiang mai": the same city
        ("VN", "Hai Phong", "declined", seed.DECLINE_REASON),
        ("PH", "Iloilo City", "pending", ""),
    ]
    membership = r2019.membership
    assert (membership.accepted, membership.declined, membership.pending) == (1, 1, 1)


def test_partners_twinning_and_launches(r2019: Report) -> None:
    partners = r2019.partners
    assert [p.partner_id for p in partners.partners_added] == ["adb"]  # jica came in 2018
    # Siem Reap-JICA runs 2018-2021; Singapore-ADB starts in 2020.
    assert [(t.city, t.partner) for t in partners.twinning] == [
        ("Siem Reap", "Japan International Cooperation Agency")
    ]
    (launch,) = partners.launches
    assert (launch.city, launch.title, launch.partner) == (
        "Singapore",
        "Cashless city payments",
        "Asian Development Bank",
    )


def test_decisions_and_submissions(r2019: Report) -> None:
    decisions = r2019.decisions
    assert [(d.body, d.step, d.decision, d.document_sha256) for d in decisions.decisions] == [
        ("JCM", "jcm_submission", "noted", seed.SHA),
        ("ASEAN Summit", "summit", "deferred", None),
    ]
    assert decisions.decisions[0].meeting == "Third JCM of 2019"
    assert [(s.submitter, s.version) for s in decisions.submissions] == [
        ("chair_of_ascn", 1),
        ("shepherd", 1),
    ]


def test_on_time_rate_by_member_state(r2019: Report) -> None:
    rows = {r.member_state: r for r in r2019.on_time.member_states}
    # Two steps owed by the member states: the nominations and the SCGW (on time).
    assert (rows["TH"].due, rows["TH"].met, rows["TH"].rate_permille) == (2, 2, 1000)
    assert (rows["MY"].due, rows["MY"].met, rows["MY"].rate_permille) == (2, 1, 500)  # late
    assert (rows["BN"].due, rows["BN"].met) == (2, 1)  # never returned, SCGW on time
    assert len(rows) == 10


def test_comparison_with_the_previous_year(r2019: Report) -> None:
    comparison = r2019.comparison
    assert (comparison.previous_year, comparison.previous_cycle, comparison.note) == (
        2018,
        True,
        "",
    )
    measures = {m.key: (m.this_year, m.previous_year) for m in comparison.measures}
    assert measures["returns"] == (4, 2)
    assert measures["cities_nominated"] == (10, 4)
    assert measures["deadlines_met"] == (3, 1)
    assert measures["escalations"] == (2, 0)
    assert measures["projects_assessed"] == (2, 1)  # 2018: Singapore's digital id
    assert measures["twinning_pairs"] == (1, 1)
    assert measures["steps_planned"] == (7, 9)


def test_a_year_after_no_cycle_says_so() -> None:
    r2018 = report(2018)
    assert (r2018.comparison.previous_cycle, r2018.comparison.note) == (False, NO_CYCLE)
    assert all(m.previous_year is None for m in r2018.comparison.measures)
    assert r2018.meta.chair == "SG"
    assert r2018.nominations.totals.submitted == 2


def test_no_cycle_gives_empty_sections() -> None:
    empty = report(2030)
    assert not empty.cycle.exists
    assert empty.cycle.steps == ()
    assert empty.meta.chair is None
    assert empty.nominations.member_states == ()


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_same_facts_in_any_order_give_the_same_bytes(rng: random.Random) -> None:
    shuffled = list(FACTS)
    rng.shuffle(shuffled)
    assert canonical_json(report(facts=shuffled)) == canonical_json(report())


def test_the_digest_is_reproducible_and_covers_the_version() -> None:
    first = build_report(2019, FACTS, reference=seed.REFERENCE, version=1)
    again = build_report(2019, seed.facts(), reference=seed.REFERENCE, version=1)
    assert document_sha256(first) == document_sha256(again)
    assert len(document_sha256(first)) == 64
    second = build_report(2019, FACTS, reference=seed.REFERENCE, version=2)
    assert document_sha256(second) != document_sha256(first)
    narrated = build_report(
        2019, FACTS, reference=seed.REFERENCE, version=1, narrative=seed.NARRATIVE
    )
    assert document_sha256(narrated) != document_sha256(first)


def test_facts_of_other_years_change_nothing() -> None:
    last = FACTS[-1]
    elsewhere = [
        Fact(
            position=last.position + 1, stream_id="monitoring-2012",
            event=ProjectAssessed(year=2012, city_id="KH-siem-reap", project_id="smart-traffic",
                                  status="dropped", evidence="Old."),
            occurred_at=last.occurred_at, recorded_at=last.recorded_at, actor="asec/imd",
        )
    ]  # fmt: skip
    before = report()
    after = build_report(
        2019,
        [*FACTS, *elsewhere],
        reference=seed.REFERENCE,
        as_of_position=before.meta.as_of_position + 1,
    )
    assert after.model_copy(update={"meta": before.meta}) == before


def test_long_text_from_old_events_is_clipped_to_the_models_bound() -> None:
    last = FACTS[-1]
    waiver = StepWaived(year=2019, step="summit", reason="x" * (MAX_TEXT * 3))
    fact = Fact(
        position=last.position + 1, stream_id="cycle-2019", event=waiver,
        occurred_at=last.occurred_at, recorded_at=last.recorded_at, actor="chair_team:TH/anan",
    )  # fmt: skip
    waivers = report(facts=[*FACTS, fact]).cycle.waivers
    assert len(waivers[-1].reason) == MAX_TEXT


def test_a_fact_after_the_as_of_position_is_refused() -> None:
    with pytest.raises(ReportError, match="after the report's as_of_position 3"):
        build_report(2019, FACTS, reference=seed.REFERENCE, as_of_position=3)


OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])


@settings(max_examples=60, deadline=None)
@given(
    reason=st.text(min_size=1, max_size=MAX_TEXT * 2),
    before=st.datetimes(timezones=OFFSETS),
    after=st.datetimes(timezones=OFFSETS),
)
def test_any_valid_extension_builds_and_round_trips(
    reason: str, before: datetime, after: datetime
) -> None:
    """Whatever an event validates with (any text, the ends of the calendar in any
    offset), the report builds within its bounds and its JSON reads back the same."""
    last = FACTS[-1]
    try:
        extension = DeadlineExtended(
            year=2019, step="summit", previous_deadline=before, new_deadline=after, reason=reason
        )
    except ValidationError:
        assume(False)  # not an event anyone could record (only whitespace)
        raise
    fact = Fact(
        position=last.position + 1, stream_id="cycle-2019", event=extension,
        occurred_at=last.occurred_at, recorded_at=last.recorded_at, actor="chair_team:TH/anan",
    )  # fmt: skip
    built = report(facts=[*FACTS, fact])
    assert built.cycle.extensions[-1].reason == extension.reason[:MAX_TEXT]
    assert len(extension.reason) <= MAX_TEXT or len(built.cycle.extensions[-1].reason) == MAX_TEXT
    assert from_json(canonical_json(built)) == built
