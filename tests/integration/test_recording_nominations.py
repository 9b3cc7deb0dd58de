"""Domain rules applied to the event store: exactly-once recording and the read model."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError

from activities.nominations import (
    DeclareNilReturnRequest,
    GrantExceptionRequest,
    NominationActivities,
    SubmitNominationsRequest,
)
from activities.recording import event_id
from domain.events import ExceptionGranted
from domain.reference import ReferenceData
from domain.streams import nominations_stream
from eventstore.codec import to_domain
from eventstore.projections import ProjectionRunner
from eventstore.readmodels.nominations import NominationsProjection, accepted_nominations
from eventstore.records import NewEvent
from eventstore.store import EventStore
from tests.unit.builders import LATE, grant, nil_return, submit


@contextmanager
def refused(kind: str) -> Iterator[None]:
    """The activity refused the command for good, naming the domain rule."""
    with pytest.raises(ApplicationError) as raised:
        yield
    assert raised.value.type == kind
    assert raised.value.non_retryable


MALAYSIA = ["Johor Bahru", "Kota Kinabalu", "Kuala Lumpur", "Kuching"]
GRANTED_AT = datetime(2018, 2, 16, tzinfo=UTC)


@pytest.fixture
def store(engine: Engine) -> EventStore:
    return EventStore(engine)


@pytest.fixture
def activities(store: EventStore) -> NominationActivities:
    return NominationActivities(store, ReferenceData.load())


def accepted(engine: Engine, year: int) -> list[tuple[str, str, bool, bool, list[str]]]:
    ProjectionRunner(engine, NominationsProjection()).catch_up()
    return [
        (
            row.member_state,
            row.city,
            row.capital,
            row.late,
            [e.exception_id for e in row.exceptions],
        )
        for row in accepted_nominations(engine, year)
    ]


def test_malaysias_four_cities_are_recorded_under_a_granted_exception(
    engine: Engine, activities: NominationActivities
) -> None:
    with refused("TooManyCities"):
        activities.submit_nominations(
            SubmitNominationsRequest(idempotency_key="my-early", command=submit("MY", MALAYSIA))
        )
    activities.grant_exception(
        GrantExceptionRequest(
            idempotency_key="exc", command=grant("MY", "max_cities", 4), granted_at=GRANTED_AT
        )
    )

    recorded = activities.submit_nominations(
        SubmitNominationsRequest(idempotency_key="my", command=submit("MY", MALAYSIA))
    )

    assert recorded.types == ("NominationsSubmitted",)
    assert accepted(engine, 2018) == [
        ("MY", "Johor Bahru", False, False, ["exc-1"]),
        ("MY", "Kota Kinabalu", False, False, ["exc-1"]),
        ("MY", "Kuala Lumpur", True, False, ["exc-1"]),
        ("MY", "Kuching", False, False, ["exc-1"]),
    ]


def test_a_refused_submission_records_nothing(
    store: EventStore, activities: NominationActivities
) -> None:
    with refused("TooManyCities"):
        activities.submit_nominations(
            SubmitNominationsRequest(idempotency_key="k", command=submit("MY", MALAYSIA))
        )

    assert store.last_position() == 0


def test_the_same_request_twice_records_once(
    store: EventStore, activities: NominationActivities
) -> None:
    request = GrantExceptionRequest(
        idempotency_key="retry", command=grant("MY", "max_cities", 4), granted_at=GRANTED_AT
    )
    first = activities.grant_exception(request)

    # The rule alone would now refuse: the exception id is taken. The retry must not.
    again = activities.grant_exception(request)

    assert again.already_recorded
    assert again.positions == first.positions
    assert len(store.read_stream(nominations_stream("MY"))) == 1
    with refused("DuplicateException"):
        activities.grant_exception(request.model_copy(update={"idempotency_key": "other"}))


def test_event_ids_derive_from_the_idempotency_key(
    store: EventStore, activities: NominationActivities
) -> None:
    activities.submit_nominations(
        SubmitNominationsRequest(
            idempotency_key="la-2018", command=submit("LA", ["Vientiane"], at=LATE)
        )
    )

    stored = store.read_stream(nominations_stream("LA"))
    assert [e.event_id for e in stored] == [event_id("la-2018", 0), event_id("la-2018", 1)]
    assert [e.type for e in stored] == ["NominationsSubmitted", "LateSubmissionRecorded"]
    assert stored[0].actor == "nr:LA/nr-1"


def test_a_late_submission_is_accepted_and_flagged(
    engine: Engine, activities: NominationActivities
) -> None:
    activities.submit_nominations(
        SubmitNominationsRequest(
            idempotency_key="la", command=submit("LA", ["Vientiane", "Luang Prabang"], at=LATE)
        )
    )

    assert accepted(engine, 2018) == [
        ("LA", "Luang Prabang", False, True, []),
        ("LA", "Vientiane", True, True, []),
    ]


def test_a_resubmission_replaces_the_earlier_list(
    engine: Engine, activities: NominationActivities
) -> None:
    for key, cities in (("first", ["Bangkok", "Phuket"]), ("second", ["Bangkok", "Chonburi"])):
        activities.submit_nominations(
            SubmitNominationsRequest(idempotency_key=key, command=submit("TH", cities))
        )

    assert [city for _, city, *_ in accepted(engine, 2018)] == ["Bangkok", "Chonburi"]


def test_a_nil_return_carries_the_earlier_list_forward(
    engine: Engine, activities: NominationActivities
) -> None:
    activities.submit_nominations(
        SubmitNominationsRequest(idempotency_key="sg-2018", command=submit("SG", ["Singapore"]))
    )
    activities.declare_nil_return(
        DeclareNilReturnRequest(idempotency_key="sg-2019", command=nil_return("SG", year=2019))
    )
    ProjectionRunner(engine, NominationsProjection()).catch_up()

    (row,) = accepted_nominations(engine, 2019)
    assert (row.member_state, row.city, row.carried_forward_from) == ("SG", "Singapore", 2018)


def test_a_stored_v1_exception_loads_as_the_current_model(store: EventStore) -> None:
    v1 = NewEvent(
        event_id=uuid.uuid4(),
        type="ExceptionGranted",
        schema_version=1,
        data={
            "year": 2018,
            "member_state": "MY",
            "exception_id": "legacy",
            "rule": "max_cities",
            "reason": "recorded before max_cities existed",
        },
        occurred_at=GRANTED_AT,
        actor="chair_team:SG/alice",
    )
    store.append(nominations_stream("MY"), [v1], expected_version=0)

    (stored,) = store.read_stream(nominations_stream("MY"))
    loaded = to_domain(stored)

    assert stored.schema_version == 1
    assert isinstance(loaded, ExceptionGranted)
    assert loaded.max_cities == 4
    assert loaded.exception_id == "legacy"


def test_concurrent_submissions_to_one_stream_are_all_recorded(engine: Engine) -> None:
    # Separate stores stand for separate worker processes racing on one stream.
    workers = [NominationActivities(EventStore(engine), ReferenceData.load()) for _ in range(4)]

    def submit_many(worker: NominationActivities, offset: int) -> None:
        for index in range(5):
            worker.submit_nominations(
                SubmitNominationsRequest(
                    idempotency_key=f"th-{offset}-{index}", command=submit("TH", ["Bangkok"])
                )
            )

    threads = [
        threading.Thread(target=submit_many, args=(worker, offset))
        for offset, worker in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = EventStore(engine).read_stream(nominations_stream("TH"))
    assert len(stored) == 20
    assert len({e.event_id for e in stored}) == 20
