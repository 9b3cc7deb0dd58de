"""A fake cycle gateway that records its calls, users of every role, and the app over them."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from domain.actors import Actor
from domain.events import NarrativeSection
from domain.reference import ReferenceData
from eventstore.engine import create_store_engine
from eventstore.readmodels.cycles import CycleStatusView, StepView
from eventstore.schema import metadata
from eventstore.store import EventStore
from services import users
from services.cycles import CycleDeps
from services.errors import Refused
from services.records import RecordsDeps
from services.sealing import Sealer
from tests.sealing import SEAL_KEYS
from workflows.messages import CycleInput, SealedUpdate, UpdateResult

with warnings.catch_warnings():
    # Starlette 1.x would rather have httpx2 behind its TestClient; httpx works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

NOW = datetime(2027, 2, 10, 9, 30, tzinfo=UTC)
TTL = users.DEFAULT_TOKEN_TTL

# role -> name of the users every API test can act as. The API tests act on 2027, whose
# ASEAN Chair is Singapore and whose shepherd is Indonesia; the Philippines chaired 2026.
USERS = {
    "shepherd:ID": "id-shepherd",
    "chair_team:SG": "sg-chair-team",
    "chair_team:PH": "ph-chair-team",
    "asec": "asec-imd",
    "admin": "root",
    "nr:MY": "nr-my",
    "nr:SG": "nr-sg",
    "csco:KH-siem-reap": "csco-siem-reap",
}


@dataclass
class Call:
    method: str
    year: int
    actor: Actor
    payload: BaseModel | str


@dataclass
class FakeGateway:
    """Answers every command with one recorded fact, or refuses with ``refusal``."""

    calls: list[Call] = field(default_factory=list)
    refusal: str | None = None
    error: Exception | None = None
    update_ids: list[str | None] = field(default_factory=list)
    told: list[tuple[int, int]] = field(default_factory=list)
    """(year, version) of each cycle told of a membership change."""

    streams: list[str] = field(default_factory=list)

    def _answer(self, method: str, year: int, actor: Actor, payload: BaseModel | str) -> None:
        self.calls.append(Call(method, year, actor, payload))
        if self.error is not None:
            raise self.error
        if self.refusal is not None:
            raise Refused(self.refusal)

    async def start_cycle(self, cycle: CycleInput, actor: Actor) -> str:
        self._answer("start_cycle", cycle.plan.year, actor, cycle.plan.template)
        return f"run-{cycle.plan.year}"

    async def _update(
        self, method: str, year: int, update: SealedUpdate, update_id: str | None
    ) -> UpdateResult:
        assert update.seal is not None, "the services seal every update"
        self._answer(method, year, update.actor, update)
        self.update_ids.append(update_id)
        return UpdateResult(recorded=(f"{method}-recorded",))

    async def submit_nominations(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("submit_nominations", year, update, update_id)

    async def declare_nil_return(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("declare_nil_return", year, update, update_id)

    async def grant_exception(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("grant_exception", year, update, update_id)

    async def approve_step(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("approve_step", year, update, update_id)

    async def extend_deadline(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("extend_deadline", year, update, update_id)

    async def waive_step(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("waive_step", year, update, update_id)

    async def membership_changed(self, year: int, version: int) -> bool:
        self.told.append((year, version))
        return False

    async def record_decision(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("record_decision", year, update, update_id)

    async def submit_report(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("submit_report", year, update, update_id)

    async def submit_progress_review(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("submit_progress_review", year, update, update_id)

    async def draft_report(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("draft_report", year, update, update_id)

    async def submit_report_draft(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("submit_report_draft", year, update, update_id)

    async def propose_city(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("propose_city", year, update, update_id)

    async def decide_city(
        self, year: int, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        return await self._update("decide_city", year, update, update_id)

    async def record(
        self, stream_id: str, update: SealedUpdate, update_id: str | None = None
    ) -> UpdateResult:
        """The records gateway's one method (services.records): ``year`` is 0, the
        stream is in ``streams``."""
        self.streams.append(stream_id)
        return await self._update("record", 0, update, update_id)


def sample_view(year: int) -> CycleStatusView:
    step = StepView(
        step="nomination_deadline", state="open", settled_by=None, opened_at=NOW,
        deadline=NOW, extensions=0, approved_by=None, completed_at=None, outstanding=(),
        escalations=(), reminders_sent=1, noted=(),
    )  # fmt: skip
    return CycleStatusView(
        year=year, chair="PH", shepherd="ID", template="recurring", state="open",
        current_step="nomination_deadline", opened_at=NOW, completed_at=None, position=1,
        steps=(step,), overdue=(), projected_position=1, store_head=1, behind=0,
    )  # fmt: skip


class FakeStatus:
    """A cycle view for every year but 1999."""

    def cycle_status(self, year: int) -> CycleStatusView | None:
        return None if year == 1999 else sample_view(year)


@pytest.fixture(scope="module")
def api_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One SQLite store per module, with the users of USERS."""
    path: Path = tmp_path_factory.mktemp("api") / "api.db"
    engine = create_store_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


SETUP = Actor(id="test-setup", role="admin")
"""Who adds the users the tests act as."""


def user_with_token(
    engine: Engine, name: str, role: str, *, now: datetime = NOW, ttl: timedelta = TTL
) -> str:
    """A new user's first token, issued at ``now`` (the API's clock), live for ``ttl``."""
    directory = users.Directory(store=EventStore(engine), clock=lambda: now, token_ttl=ttl)
    users.add_user(directory, users.AddUser(name=name, role=role), SETUP)
    return users.issue_token(directory, users.IssueToken(name=name), SETUP).token


@pytest.fixture(scope="module")
def tokens(api_engine: Engine) -> dict[str, str]:
    """role -> a live token of the user with that role."""
    return {role: user_with_token(api_engine, name, role) for role, name in USERS.items()}


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@dataclass
class FixedFingerprint:
    """A draft's position and digest without a cycle in the store (the fake gateway
    records nothing): as of position 42, digest ``DRAFT_SHA256``."""

    asked: list[tuple[int, int]] = field(default_factory=list)
    """(year, version) of each fingerprint asked for."""

    def fingerprint(
        self, year: int, narrative: Sequence[NarrativeSection], *, version: int,
        as_of_position: int | None = None,
    ) -> tuple[int, str]:  # fmt: skip
        self.asked.append((year, version))
        return 42, DRAFT_SHA256


DRAFT_SHA256 = "d" * 64


def fake_cycles(engine: Engine, gateway: FakeGateway) -> CycleDeps:
    """The real cycle services over the fake gateway, sealing at NOW."""
    return CycleDeps(
        gateway=gateway, sealer=Sealer(SEAL_KEYS, lambda: NOW), reference=ReferenceData.load(),
        store=EventStore(engine), fingerprint=FixedFingerprint(),
    )  # fmt: skip


def fake_records(gateway: FakeGateway) -> RecordsDeps:
    """The real records services over the same fake gateway, sealing at NOW."""
    return RecordsDeps(
        gateway=gateway, sealer=Sealer(SEAL_KEYS, lambda: NOW), reference=ReferenceData.load()
    )


@pytest.fixture
def app(api_engine: Engine, gateway: FakeGateway) -> FastAPI:
    return create_app(
        engine=api_engine, cycles=fake_cycles(api_engine, gateway), clock=lambda: NOW,
        status=FakeStatus(), records=fake_records(gateway),
    )  # fmt: skip


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
