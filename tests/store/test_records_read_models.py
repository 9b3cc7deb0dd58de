"""The records read models, on SQLite and PostgreSQL: plan versions, projects with their
assessments, the unassessed projects of a year, partners, pairs and meeting outcomes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from activities.records import StoreMonitoring
from ascn.projections import catch_up_all
from domain.actors import Actor
from domain.events import DomainEvent
from domain.monitoring import assess, explain_not_assessed
from domain.partners import (
    Launch,
    NewPartner,
    RecordMeetingOutcome,
    add_partner,
    pair_city,
    record_meeting_outcome,
)
from domain.plans import submit_plan
from domain.records import RecordsState, stream_of
from domain.reference import ReferenceData
from eventstore.codec import to_new_event
from eventstore.readmodels.records import (
    ReadModelMonitoring,
    latest_plans,
    outcomes_of,
    partner_list,
    plan_versions_of,
    project_progress,
    twinning_pairs,
)
from eventstore.store import EventStore
from tests.records.builders import (
    SIEM_REAP,
    SINGAPORE,
    assessment,
    not_assessed,
    pair,
    partner,
    plan,
    project,
)

REFERENCE = ReferenceData.load()
AT = datetime(2019, 5, 2, 9, 0, tzinfo=UTC)
CSCO = Actor(id="csco", role=f"csco:{SIEM_REAP}")
ASEC = Actor(id="imd", role="asec")
TEAM = Actor.chair_team("SG", "team")


def append(store: EventStore, stream: str, facts: list[DomainEvent], actor: Actor) -> None:
    new = [to_new_event(f, event_id=uuid.uuid4(), occurred_at=AT, actor=actor) for f in facts]
    store.append(stream, new, expected_version=store.stream_version(stream))


def test_plans_keep_every_version_and_projects_show_their_assessment(engine: Engine) -> None:
    store = EventStore(engine)
    first = plan(
        SIEM_REAP,
        project(),
        project("waste", title="Waste sorting", focus_areas=("quality_environment",)),
    )
    state = RecordsState()
    v1 = submit_plan(state.plan, first, REFERENCE)
    append(store, stream_of(first), v1, CSCO)
    second = plan(
        SIEM_REAP,
        project(),
        project(
            "waste", title="Waste sorting", status="dropped", focus_areas=("quality_environment",)
        ),
        project("wifi", title="Public Wi-Fi", focus_areas=("civic_and_social",)),
    )
    v2 = submit_plan(state.apply_all(v1).plan, second, REFERENCE)
    append(store, stream_of(second), v2, CSCO)
    singapore = plan(SINGAPORE, project("lamps", title="Smart lamp posts"))
    append(store, stream_of(singapore), submit_plan(state.plan, singapore, REFERENCE), CSCO)

    monitoring = RecordsState().monitoring
    assessed = assess(monitoring, assessment(), None)
    append(store, "monitoring-2019", assessed, ASEC)
    revised = assess(
        RecordsState().apply_all(assessed).monitoring, assessment(status="stalled"), None
    )
    append(store, "monitoring-2019", revised, ASEC)
    append(
        store, "monitoring-2019", explain_not_assessed(monitoring, not_assessed("wifi"), None), ASEC
    )
    catch_up_all(engine)

    versions, _ = plan_versions_of(engine, SIEM_REAP)
    assert [v.version for v in versions] == [1, 2]
    assert [p.project_id for p in versions[0].projects] == ["smart-traffic", "waste"]
    assert [p.project_id for p in versions[1].projects] == ["smart-traffic", "waste", "wifi"]
    assert versions[1].submitted_by == CSCO.label
    summaries, _ = latest_plans(engine)
    assert [(s.city_id, s.version, s.projects) for s in summaries] == [
        (SIEM_REAP, 2, 3), (SINGAPORE, 1, 1),
    ]  # fmt: skip

    progress = {p.project_id: p for p in project_progress(engine, 2019)[0]}
    traffic = progress["smart-traffic"].assessment
    assert traffic is not None
    assert (traffic.status, traffic.revision) == ("stalled", 2)
    assert progress["wifi"].not_assessed_because == "The city sent no report this year."
    # Dropped "waste" is not active; "lamps" has neither: it alone is unassessed.
    assert ReadModelMonitoring(engine).unassessed_projects(2019) == [f"{SINGAPORE}/lamps"]
    assert ReadModelMonitoring(engine).unassessed_projects(2030) == []
    from_store = StoreMonitoring(store, REFERENCE)
    for year in (2017, 2018, 2019, 2030):
        assert from_store.unassessed_projects(year) == (
            ReadModelMonitoring(engine).unassessed_projects(year)
        )


def test_partners_pairs_and_meeting_outcomes(engine: Engine) -> None:
    store = EventStore(engine)
    state = RecordsState()
    jica = add_partner(state.partners, partner(), REFERENCE)
    append(store, "partners", jica, TEAM)
    outcome = RecordMeetingOutcome(
        year=2018,
        partners=(NewPartner(partner_id="adb", name="Asian Development Bank",
                             kind="financial_institution"),),
        launches=(Launch(city_id=SIEM_REAP, project_id="smart-traffic", title="Smart traffic",
                         partner_id="adb"),),
    )  # fmt: skip
    append(
        store,
        "partners",
        record_meeting_outcome(state.apply_all(jica).partners, outcome, REFERENCE),
        TEAM,
    )
    paired = pair_city(state.twinning, pair(starts=date(2018, 8, 1)), REFERENCE, None)
    append(store, f"twinning-{SIEM_REAP}", paired, TEAM)
    catch_up_all(engine)

    partners, _ = partner_list(engine)
    assert [(p.partner_id, p.source) for p in partners] == [
        ("jica", "chair_team"), ("adb", "annual_meeting"),
    ]  # fmt: skip
    pairs, _ = twinning_pairs(engine)
    assert [(p.city_id, p.partner_id, p.starts) for p in pairs] == [
        (SIEM_REAP, "jica", date(2018, 8, 1)),
    ]  # fmt: skip
    outcomes, _ = outcomes_of(engine, 2018)
    assert [(o.city_id, o.project_id, o.partner_id) for o in outcomes] == [
        (SIEM_REAP, "smart-traffic", "adb"),
    ]  # fmt: skip
    assert outcomes_of(engine, 2019)[0] == []
