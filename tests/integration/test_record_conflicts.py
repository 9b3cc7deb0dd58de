"""An event id already stored with other content ends the activity at once, for good.

Retrying cannot help (the store keeps the first fact under that id), and a retry that
never ends once kept an update's caller, the commands behind it and the cycle's
completion waiting for ever.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.cycle import CycleActivities, RecordFactRequest
from activities.errors import EVENT_ID_CONFLICT
from domain.actors import Actor
from domain.events import REGISTRY, StepApproved
from domain.streams import cycle_stream
from eventstore.store import EventStore

AT = datetime(2027, 5, 31, 9, tzinfo=UTC)


def approval(by: str, at: datetime = AT) -> RecordFactRequest:
    encoded = REGISTRY.encode(StepApproved(year=2027, step="scgw"))
    return RecordFactRequest(
        idempotency_key="ascn-cycle-2027/scgw/approved", year=2027, type=encoded.type,
        schema_version=encoded.schema_version, data=encoded.data,
        actor=Actor.chair_team("SG", by), occurred_at=at,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("second", "differs"),
    [(approval("bob"), "actor differs"), (approval("alice", AT.replace(minute=1)), "occurred_at")],
)
def test_the_same_fact_id_with_other_content_fails_without_retry(
    engine: Engine, second: RecordFactRequest, differs: str
) -> None:
    activities = CycleActivities(EventStore(engine))
    environment = ActivityEnvironment()
    environment.run(activities.record_fact, approval("alice"))

    with pytest.raises(ApplicationError) as raised:
        environment.run(activities.record_fact, second)

    assert raised.value.type == EVENT_ID_CONFLICT
    assert raised.value.non_retryable
    assert "already stored with different content" in raised.value.message
    assert differs in raised.value.message
    stored = EventStore(engine).read_stream(cycle_stream(2027))
    assert [(e.type, e.actor) for e in stored] == [("StepApproved", "chair_team:SG/alice")]
