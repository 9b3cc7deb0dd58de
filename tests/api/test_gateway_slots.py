"""The gateway keeps a cycle's updates in flight below Temporal's limit (10 a workflow).

Past it the server refuses the update and clears the workflow's cached state, aborting
every update in flight and losing the workflow task that carries them (services/gateway.py,
``IN_FLIGHT_PER_CYCLE``). These tests stand a recording client in for Temporal's, so they
count what the gateway itself sends at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from domain.actors import Actor
from services import gateway as gateway_module
from services.gateway import IN_FLIGHT_PER_CYCLE, TemporalCycleGateway
from workflows.cycle import workflow_id
from workflows.messages import ApproveStepUpdate, UpdateResult

APPROVAL = ApproveStepUpdate(
    actor=Actor(id="the-chair-team", role="chair_team:SG"), step="nomination_deadline"
)


@dataclass
class InFlight:
    """What Temporal would see: how many updates each workflow has in flight."""

    now: dict[str, int] = field(default_factory=dict)
    most: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def until(self, check: Any) -> None:
        async with asyncio.timeout(5), self.changed:
            await self.changed.wait_for(check)


@dataclass
class Handle:
    workflow: str
    seen: InFlight

    async def execute_update(self, method: Any, update: Any, *, id: str | None) -> UpdateResult:
        now = self.seen.now.get(self.workflow, 0) + 1
        self.seen.now[self.workflow] = now
        self.seen.most[self.workflow] = max(self.seen.most.get(self.workflow, 0), now)
        async with self.seen.changed:
            self.seen.changed.notify_all()
        try:
            await self.seen.release.wait()
            return UpdateResult(recorded=())
        finally:
            self.seen.now[self.workflow] -= 1
            self.seen.answered += 1


@dataclass
class Client:
    seen: InFlight

    def get_workflow_handle_for(self, run: Any, workflow: str) -> Handle:
        return Handle(workflow, self.seen)


def gateway_over(seen: InFlight) -> TemporalCycleGateway:
    return TemporalCycleGateway(Client(seen), "queue", search_attributes=False)  # type: ignore[arg-type]


async def test_fifty_at_once_reach_a_cycle_a_few_at_a_time() -> None:
    seen = InFlight()
    gateway = gateway_over(seen)

    calls = [asyncio.create_task(gateway.approve_step(2031, APPROVAL)) for _ in range(50)]
    await seen.until(lambda: seen.now.get(workflow_id(2031)) == IN_FLIGHT_PER_CYCLE)
    await asyncio.sleep(0.05)  # room for any more to slip through
    assert seen.most[workflow_id(2031)] == IN_FLIGHT_PER_CYCLE
    seen.release.set()
    await asyncio.gather(*calls)

    assert seen.answered == 50
    assert IN_FLIGHT_PER_CYCLE < 10  # Temporal's default history.maxInFlightUpdates


async def test_each_cycle_has_its_own_slots() -> None:
    seen = InFlight()
    gateway = gateway_over(seen)

    calls = [
        asyncio.create_task(gateway.approve_step(year, APPROVAL))
        for year in (2031, 2032)
        for _ in range(IN_FLIGHT_PER_CYCLE)
    ]
    await seen.until(lambda: sum(seen.now.values()) == 2 * IN_FLIGHT_PER_CYCLE)
    seen.release.set()
    await asyncio.gather(*calls)

    each = IN_FLIGHT_PER_CYCLE
    assert seen.most == {workflow_id(2031): each, workflow_id(2032): each}


async def test_an_update_kept_waiting_too_long_is_sent_anyway(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slots held for long (updates waiting on an event store that is down) do not keep
    the next update from Temporal's own answer."""
    monkeypatch.setattr(gateway_module, "SLOT_WITHIN", 0.2)
    seen = InFlight()
    gateway = gateway_over(seen)

    calls = [asyncio.create_task(gateway.approve_step(2031, APPROVAL)) for _ in range(12)]
    await seen.until(lambda: seen.now.get(workflow_id(2031)) == 12)
    seen.release.set()
    await asyncio.gather(*calls)

    assert seen.answered == 12
    # The slots were all given back: the next burst is held to them again.
    seen.release.clear()
    seen.most.clear()
    monkeypatch.setattr(gateway_module, "SLOT_WITHIN", 5.0)
    more = [asyncio.create_task(gateway.approve_step(2031, APPROVAL)) for _ in range(20)]
    await seen.until(lambda: seen.now.get(workflow_id(2031)) == IN_FLIGHT_PER_CYCLE)
    await asyncio.sleep(0.05)
    assert seen.most[workflow_id(2031)] == IN_FLIGHT_PER_CYCLE
    seen.release.set()
    await asyncio.gather(*more)
