"""Tests send updates straight to Temporal; this seals them as the services would.

``SealingInterceptor`` is a client interceptor that puts the services' seal on every
update the client sends, stamped with the cycle's clock (the test server's time, which
skips), so that workflow tests keep sending updates directly while the validators
insist on a seal. Tests about seals themselves use an unsealed client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from temporalio.client import (
    Interceptor,
    OutboundInterceptor,
    StartWorkflowUpdateInput,
    WorkflowUpdateHandle,
)

from ascn.settings import Settings
from services.sealing import Sealer
from workflows.messages import SealedUpdate

SEAL_KEYS = Settings().seal_keyring
"""The development keyring: what the worker fixtures install and the services use."""

AsyncClock = Callable[[], Awaitable[datetime]]


async def wall_clock() -> datetime:
    return datetime.now(UTC)


class SealingInterceptor(Interceptor):
    """``year``: the cycle year of workflows whose id is not ``ascn-cycle-<year>``."""

    def __init__(self, clock: AsyncClock = wall_clock, *, year: int | None = None) -> None:
        self.clock = clock
        self.year = year

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Sealing(next, self)


class _Sealing(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, owner: SealingInterceptor) -> None:
        super().__init__(next)
        self._owner = owner

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        args = list(input.args)
        if args and isinstance(args[0], SealedUpdate) and args[0].seal is None:
            prefix, _, suffix = input.id.rpartition("-")
            year = int(suffix) if prefix == "ascn-cycle" else self._owner.year
            assert year is not None, f"which year's cycle is {input.id}?"
            at = await self._owner.clock()
            args[0] = Sealer(SEAL_KEYS, lambda: at).seal(year, input.update, args[0])
            input.args = args
        return await super().start_workflow_update(input)
