"""Every event encodes to JSON and decodes back; old schema versions are upcast."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import pytest

from domain.errors import (
    DuplicateEventType,
    DuplicateUpcaster,
    InvalidEventData,
    MissingUpcaster,
    UnknownEventType,
    UnsupportedSchemaVersion,
)
from domain.events import (
    REGISTRY,
    ActionPlanSubmitted,
    BodyDecisionRecorded,
    CityDecided,
    CityNomination,
    CityProposed,
    CycleCompleted,
    CycleOpened,
    CyclePlanned,
    DeadlineExtended,
    DomainEvent,
    EventRegistry,
    ExceptionGranted,
    FeedIssued,
    FeedRevoked,
    LateSubmissionRecorded,
    MailDelivered,
    MailFailed,
    NilReturnDeclared,
    NominationsSubmitted,
    Noted,
    PartnerAdded,
    Person,
    PlannedStepFact,
    ProgressReviewSubmitted,
    ProjectAssessed,
    ProjectLaunchedAtMeeting,
    ProjectNotAssessed,
    ReminderSent,
    ReportSubmitted,
    StepApproved,
    StepCompleted,
    StepEscalated,
    StepOpened,
    StepReopened,
    StepWaived,
    TokenIssued,
    TokenRevoked,
    TwinningExceptionRecorded,
    TwinningPaired,
    UserAdded,
    UserDisabled,
    UserEnabled,
)
from domain.events.chain import NarrativeSection, ReportDrafted, ReportDraftSubmitted
from domain.events.records import Milestone, Project

DEADLINE = datetime(2019, 8, 1, 17, 0, tzinfo=UTC)
AZIZ = Person(name="Aziz", email="aziz@example.my")

_PROJECT = Project(
    project_id="heritage-traffic", title="Traffic management", action_lines=("Sensors",),
    focus_areas=("built_infrastructure",), partners=("ADB",), status="ongoing",
    milestones=(Milestone(title="Study", due=date(2019, 6, 30)),),
)  # fmt: skip
RECORDS_EXAMPLES: list[DomainEvent] = [
    ActionPlanSubmitted(city_id="KH-siem-reap", member_state="KH", city="Siem Reap", version=2,
                        period_start=2018, period_end=2025, projects=(_PROJECT,)),
    ProjectAssessed(year=2019, city_id="KH-siem-reap", project_id="heritage-traffic",
                    status="stalled", evidence="No funds yet.",
                    links=("https://example.org/r.pdf",), revision=2),
    ProjectNotAssessed(year=2019, city_id="KH-siem-reap", project_id="heritage-traffic",
                       reason="No report."),
    PartnerAdded(partner_id="adb", name="Asian Development Bank", kind="financial_institution",
                 year=2018, source="annual_meeting"),
    TwinningPaired(city_id="KH-siem-reap", partner_id="adb", starts=date(2018, 8, 4),
                   ends=date(2021, 8, 3), exception_id="second"),
    TwinningExceptionRecorded(city_id="KH-siem-reap", exception_id="second", reason="Agreed."),
    ProjectLaunchedAtMeeting(year=2018, city_id="KH-siem-reap", project_id="heritage-traffic",
                             title="Traffic management", partner_id="adb"),
]  # fmt: skip
REPORT_EXAMPLES: list[DomainEvent] = [
    ReportDrafted(year=2018, version=2, as_of_position=1234, document_sha256="ef" * 32,
                  narrative=(NarrativeSection(heading="Foreword", text="The first\n\nyear."),)),
    ReportDraftSubmitted(year=2018, step="report_draft", version=2, document_sha256="ef" * 32),
]  # fmt: skip
EXAMPLES: list[DomainEvent] = [
    MailDelivered(year=2018, step="scgw", rung="T-7", recipient="nr:MY", message_id="<a@ascn>"),
    MailFailed(
        year=2018,
        step="scgw",
        rung="T-7",
        recipient="nr:MY",
        message_id="<a@ascn>",
        reason="550 no such user",
        permanent=True,
    ),
    CycleOpened(year=2019, chair="TH", shepherd="SG", template="standard-v1"),
    CyclePlanned(
        year=2019,
        zone="Asia/Bangkok",
        steps=(
            PlannedStepFact(
                step="annual_meeting",
                title="Annual Meeting",
                owed_by="chair_of_ascn",
                parties=("nr:TH",),
                opens_at=datetime(2019, 6, 1, tzinfo=UTC),
                deadline=DEADLINE,
            ),
        ),
    ),
    StepOpened(year=2019, step="annual_meeting", deadline=DEADLINE),
    ReminderSent(year=2019, step="annual_meeting", rung="T-14", recipients=("nr:MY/aziz",)),
    DeadlineExtended(
        year=2019,
        step="annual_meeting",
        previous_deadline=DEADLINE,
        new_deadline=datetime(2019, 8, 23, 17, 0, tzinfo=UTC),
        reason="meeting moved to 23 August in Bangkok",
    ),
    StepEscalated(year=2019, step="jcm_submission", rung="T+7", escalated_to="chair_team"),
    StepApproved(year=2019, step="annual_meeting"),
    StepWaived(year=2019, step="scgw", reason="no workshop this year"),
    StepCompleted(year=2019, step="annual_meeting"),
    Noted(year=2019, body="Summit", decision="noted"),
    BodyDecisionRecorded(
        year=2019,
        step="summit",
        body="Summit",
        decision="noted",
        decided_on=date(2019, 11, 3),
        meeting="35th ASEAN Summit",
        concerning="ASCN annual report 2019, v1",
        reference_version=2,
    ),
    StepReopened(
        year=2019,
        step="acc",
        body="ACC",
        decision="deferred",
        previous_deadline=DEADLINE,
        new_deadline=datetime(2019, 11, 20, 15, 59, 59, tzinfo=UTC),
    ),
    ReportSubmitted(year=2019, step="jcm_submission", submitter="shepherd"),
    ProgressReviewSubmitted(year=2019, step="progress_review"),
    CityProposed(year=2027, member_state="TL", city="Baucau", capital=False),
    CityDecided(year=2027, member_state="TL", city="Baucau", decision="accepted"),
    CycleCompleted(year=2019),
    NominationsSubmitted(
        year=2018,
        member_state="MY",
        national_representative=AZIZ,
        cities=(
            CityNomination(city="Kuala Lumpur", capital=True, csco=AZIZ),
            CityNomination(city="Kuching", capital=False, csco=AZIZ),
        ),
        exceptions_applied=("my-2018-four",),
    ),
    LateSubmissionRecorded(
        year=2018,
        member_state="MY",
        deadline=datetime(2018, 2, 28, 23, 59, tzinfo=UTC),
        submitted_at=datetime(2018, 3, 2, 8, 0, tzinfo=UTC),
    ),
    NilReturnDeclared(year=2019, member_state="MY", carried_forward_from=2018),
    ExceptionGranted(
        year=2018,
        member_state="MY",
        exception_id="my-2018-four",
        rule="max_cities",
        max_cities=4,
        reason="four pilot cities agreed in 2018",
    ),
    UserAdded(name="nr-my", role="nr:MY"),
    UserDisabled(name="nr-my"),
    UserEnabled(name="nr-my"),
    TokenIssued(
        token_id="tok_0123456789ab",
        user="nr-my",
        expires_at=datetime(2027, 4, 20, 9, 0, tzinfo=UTC),
        token_sha256="ab" * 32,
    ),
    TokenRevoked(token_id="tok_0123456789ab", user="nr-my"),
    FeedIssued(feed_id="feed_0123456789ab", user="nr-my", token_sha256="cd" * 32),
    FeedRevoked(feed_id="feed_0123456789ab", user="nr-my"),
    *RECORDS_EXAMPLES,
    *REPORT_EXAMPLES,
]


def test_there_is_an_example_of_every_registered_event_type() -> None:
    registered = {cls.event_type for cls in REGISTRY.event_types()}
    assert {e.event_type for e in EXAMPLES} == registered
    assert len(registered) == 30 + len(RECORDS_EXAMPLES) + len(REPORT_EXAMPLES)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.event_type)
def test_every_event_survives_encoding_to_json_and_back(event: DomainEvent) -> None:
    encoded = REGISTRY.encode(event)
    assert encoded.type == type(event).__name__
    assert encoded.schema_version == type(event).schema_version
    stored = json.loads(json.dumps(encoded.data))
    assert REGISTRY.decode(encoded.type, encoded.schema_version, stored) == event


def test_datetimes_are_encoded_as_iso_strings_with_their_offset() -> None:
    encoded = REGISTRY.encode(StepOpened(year=2019, step="ACC", deadline=DEADLINE))
    assert encoded.data == {"year": 2019, "step": "ACC", "deadline": "2019-08-01T17:00:00Z"}


def test_exception_granted_is_at_schema_version_2() -> None:
    granted = next(e for e in EXAMPLES if isinstance(e, ExceptionGranted))
    assert REGISTRY.encode(granted).schema_version == 2
    assert ExceptionGranted.schema_version == 2
    assert StepOpened.schema_version == 1


def test_a_v1_max_cities_exception_meant_one_city_more_than_the_limit() -> None:
    v1 = {
        "year": 2018,
        "member_state": "MY",
        "exception_id": "my-2018-four",
        "rule": "max_cities",
        "reason": "four pilot cities",
    }
    event = REGISTRY.decode("ExceptionGranted", 1, v1)
    assert isinstance(event, ExceptionGranted)
    assert event.max_cities == 4
    assert event.exception_id == "my-2018-four"
    assert "max_cities" not in v1  # the stored data is not changed


def test_a_v1_capital_exception_upcasts_with_no_city_limit() -> None:
    v1 = {
        "year": 2020,
        "member_state": "TH",
        "exception_id": "th-2020-cap",
        "rule": "capital_required",
        "reason": "Bangkok joined through the metropolitan authority",
    }
    event = REGISTRY.decode("ExceptionGranted", 1, v1)
    assert isinstance(event, ExceptionGranted)
    assert (event.rule, event.max_cities) == ("capital_required", None)


def test_an_unknown_event_type_is_refused_by_name() -> None:
    with pytest.raises(UnknownEventType, match="unknown event type 'CityAnnexed'; registered: "):
        REGISTRY.decode("CityAnnexed", 1, {})


def test_a_schema_version_newer_than_the_code_is_refused() -> None:
    with pytest.raises(UnsupportedSchemaVersion) as raised:
        REGISTRY.decode("StepApproved", 2, {"year": 2019, "step": "ACC"})
    assert str(raised.value) == (
        "StepApproved schema version 2 is not supported: this code reads versions 1 to 1"
    )


def test_a_schema_version_below_one_is_refused() -> None:
    with pytest.raises(UnsupportedSchemaVersion, match="ExceptionGranted schema version 0"):
        REGISTRY.decode("ExceptionGranted", 0, {})


def test_data_that_does_not_validate_names_the_type_and_the_field() -> None:
    with pytest.raises(InvalidEventData) as raised:
        REGISTRY.decode("StepOpened", 1, {"year": 2019, "step": "ACC", "deadline": "soon"})
    assert "StepOpened v1" in str(raised.value)
    assert "deadline" in str(raised.value)


class _Probe(DomainEvent):
    schema_version: ClassVar[int] = 3
    value: int


def test_upcasters_run_in_order_up_to_the_current_version() -> None:
    registry = EventRegistry()
    registry.register(_Probe)
    seen: list[int] = []

    def one_to_two(data: dict[str, Any]) -> dict[str, Any]:
        seen.append(1)
        return {"value": data["old"] * 10}

    def two_to_three(data: dict[str, Any]) -> dict[str, Any]:
        seen.append(2)
        return {"value": data["value"] + 1}

    registry.register_upcaster("_Probe", 2, two_to_three)
    registry.register_upcaster("_Probe", 1, one_to_two)
    assert registry.decode("_Probe", 1, {"old": 4}) == _Probe(value=41)
    assert seen == [1, 2]
    assert registry.decode("_Probe", 3, {"value": 7}) == _Probe(value=7)


def test_a_missing_upcaster_step_is_named() -> None:
    registry = EventRegistry()
    registry.register(_Probe)
    registry.register_upcaster("_Probe", 1, lambda data: data)
    with pytest.raises(MissingUpcaster) as raised:
        registry.decode("_Probe", 1, {"value": 1})
    assert str(raised.value) == "cannot read _Probe v1: no upcaster from v2 to v3"


def test_two_classes_cannot_share_a_type_name() -> None:
    registry = EventRegistry()
    registry.register(_Probe)
    registry.register(_Probe)  # the same class again is harmless

    class _Probe2(DomainEvent):
        pass

    _Probe2.event_type = "_Probe"
    with pytest.raises(DuplicateEventType, match="'_Probe' is already registered"):
        registry.register(_Probe2)


def test_an_upcaster_step_cannot_be_registered_twice() -> None:
    with pytest.raises(DuplicateUpcaster, match="ExceptionGranted v1 -> v2"):
        REGISTRY.register_upcaster("ExceptionGranted", 1, lambda data: data)


def test_an_unregistered_event_cannot_be_encoded() -> None:
    with pytest.raises(UnknownEventType, match="'_Probe'"):
        REGISTRY.encode(_Probe(value=1))
