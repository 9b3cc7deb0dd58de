"""The table behind Idempotency-Key, on both backends: one claim per key, one stored
answer whoever finishes first, another request under the key refused, expiry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from eventstore.readmodels import accounts_tables as _api_tables  # noqa: F401  (registers the table)
from services.idempotency import TTL, Answer, Keyed, KeyReused, abandon, begin, finish

NOW = datetime(2027, 2, 10, 9, 30, tzinfo=UTC)
APPROVE = Keyed(
    actor="chair_team:SG/sg-chair-team", key="k-1",
    route="POST /v1/cycles/2027/steps/scgw/approve", body=None,
)  # fmt: skip


def test_twins_both_send_and_both_answer_with_the_first_stored(engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        claims = list(pool.map(lambda _: begin(engine, APPROVE, NOW), range(2)))
    first = finish(engine, APPROVE, Answer(200, {"recorded": ["StepApproved"]}))
    second = finish(engine, APPROVE, Answer(200, {"recorded": []}))

    assert claims == [None, None]
    assert first == second == Answer(200, {"recorded": ["StepApproved"]})
    assert begin(engine, APPROVE, NOW + timedelta(hours=1)) == first


def test_the_key_with_another_route_or_body_is_refused(engine: Engine) -> None:
    begin(engine, APPROVE, NOW)
    waive = Keyed(
        actor=APPROVE.actor, key=APPROVE.key,
        route="POST /v1/cycles/2027/steps/scgw/waive", body={"reason": "r"},
    )  # fmt: skip
    another_body = Keyed(actor=APPROVE.actor, key=APPROVE.key, route=APPROVE.route, body={"x": 1})

    for request in (waive, another_body):
        with pytest.raises(KeyReused, match="Idempotency-Key 'k-1' was already used"):
            begin(engine, request, NOW)
    someone_else = Keyed(actor="asec/imd", key=APPROVE.key, route=waive.route, body=waive.body)
    assert begin(engine, someone_else, NOW) is None


def test_an_abandoned_or_expired_key_is_claimed_afresh(engine: Engine) -> None:
    begin(engine, APPROVE, NOW)
    abandon(engine, APPROVE)
    other = Keyed(actor=APPROVE.actor, key=APPROVE.key, route=APPROVE.route, body={"x": 1})
    assert begin(engine, other, NOW) is None  # freed: nothing was stored under it
    finish(engine, other, Answer(409, {"detail": "refused"}))

    with pytest.raises(KeyReused):
        begin(engine, APPROVE, NOW + TTL - timedelta(seconds=1))
    assert begin(engine, APPROVE, NOW + TTL) is None
