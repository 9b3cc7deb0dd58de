"""A fake cycle gateway that records its calls, users of every role, and the app over them."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from api.gateway import Refused
from api.users import create_user, issue_token
from domain.actors import Actor
from eventstore.engine import create_store_engine
from eventstore.readmodels.cycles import CycleStatusView, StepView
from eventstore.schema import metadata
from workflows.messages import UpdateResult

with warnings.catch_warnings():
    # Starlette 1.x would rather have httpx2 behind its TestClient; httpx works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

NOW = datetime(2027, 2, 10, 9, 30, tzinfo=UTC)

# name -> role of the users every API test can act as.
USERS = {
    "shepherd": "id-shepherd",
    "chair_team": "ph-chair-team",
    "admin": "root",
    "nr:MY": "nr-my",
    "nr:SG": "nr-sg",
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

    def _answer(self, method: str, year: int, actor: Actor, payload: BaseModel | str) -> None:
        self.calls.append(Call(method, year, actor, payload))
        if self.error is not None:
            raise self.error
        if self.refusal is not None:
            raise Refused(self.refusal)

    async def start_cycle(self, year: int, template: str, actor: Actor) -> str:
        self._answer("start_cycle", year, actor, template)
        return f"run-{year}"

    async def _update(self, method: str, year: int, update: BaseModel) -> UpdateResult:
        actor = getattr(update, "actor")  # noqa: B009  (every update has one)
        self._answer(method, year, actor, update)
        return UpdateResult(recorded=(f"{method}-recorded",))

    async def submit_nominations(self, year: int, update: BaseModel) -> UpdateResult:
        return await self._update("submit_nominations", year, update)

    async def declare_nil_return(self, year: int, update: BaseModel) -> UpdateResult:
        return await self._update("declare_nil_return", year, update)

    async def grant_exception(self, year: int, update: BaseModel) -> UpdateResult:
        return await self._update("grant_exception", year, update)

    async def approve_step(self, year: int, update: BaseModel) -> UpdateResult:
        return await self._update("approve_step", year, update)

    async def extend_deadline(self, year: int, update: BaseModel) -> UpdateResult:
        return await self._update("extend_deadline", year, update)

    async def waive_step(self, year: int, update: BaseModel) -> UpdateResult:
        return await self._update("waive_step", year, update)


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


@pytest.fixture(scope="module")
def tokens(api_engine: Engine) -> dict[str, str]:
    """role -> a live token of the user with that role."""
    return {
        role: issue_token(api_engine, create_user(api_engine, name, role))
        for role, name in USERS.items()
    }


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def app(api_engine: Engine, gateway: FakeGateway) -> FastAPI:
    return create_app(engine=api_engine, gateway=gateway, clock=lambda: NOW, status=FakeStatus())


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
