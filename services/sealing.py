"""Sealing commands for the cycle: the receipt time, a fresh nonce and an HMAC."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

from domain.seal import make_seal
from workflows.cycle import workflow_id
from workflows.messages import SealedUpdate

U = TypeVar("U", bound=SealedUpdate)


class Sealer:
    """Seals with the keyring's current key; the clock stamps when ascn received it."""

    def __init__(self, keyring: Mapping[str, bytes], clock: Callable[[], datetime]) -> None:
        self._keyring = dict(keyring)
        self._clock = clock

    def now(self) -> datetime:
        """The services' clock: when ascn receives a command."""
        return self._clock()

    def seal(self, year: int, update_name: str, update: U, *, at: datetime | None = None) -> U:
        return self.seal_for(workflow_id(year), update_name, update, at=at)

    def seal_for(
        self, workflow: str, update_name: str, update: U, *, at: datetime | None = None
    ) -> U:
        """Seal for the workflow of that id (a cycle's, or a records stream's)."""
        seal = make_seal(
            self._keyring,
            update=update_name,
            cycle=workflow,
            payload=update.sealed_payload(),
            received_at=at or self._clock(),
            nonce=secrets.token_hex(16),
        )
        return update.model_copy(update={"seal": seal})
