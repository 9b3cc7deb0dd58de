"""Drafting the report through the services and the API, over the fake gateway: who may,
what the cycle is sent (the version the digest was computed for, its position and
SHA-256), and the refusals that never reach it."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from domain.actors import Actor
from domain.errors import NotAuthorised
from domain.events import NarrativeSection, ReportDrafted
from domain.report_versions import MAX_NARRATIVE_BYTES, ReportRefused
from eventstore.codec import to_new_event
from eventstore.store import EventStore
from services import reports
from services.commands import DraftReport, SubmitReportDraft
from services.cycles import CycleDeps
from services.errors import CycleNotFound
from tests.api.conftest import (
    DRAFT_SHA256,
    NOW,
    SETUP,
    FakeGateway,
    FixedFingerprint,
    bearer,
    fake_cycles,
)
from workflows.messages import DraftReportUpdate

YEAR = 2027
ASEC = Actor(id="imd", role="asec")
FOREWORD = (NarrativeSection(heading="Foreword", text="  The year in brief.  "),)
DRAFTS = f"/v1/cycles/{YEAR}/report/drafts"


@pytest.fixture
def deps(api_engine: Engine, gateway: FakeGateway) -> CycleDeps:
    return fake_cycles(api_engine, gateway)


def fingerprint_of(deps: CycleDeps) -> FixedFingerprint:
    assert isinstance(deps.fingerprint, FixedFingerprint)
    return deps.fingerprint


async def test_a_draft_is_sent_with_the_version_its_digest_was_computed_for(
    deps: CycleDeps, gateway: FakeGateway, api_engine: Engine
) -> None:
    year = 2031  # a year of its own: one draft already recorded in its stream
    drafted = ReportDrafted(year=year, version=1, as_of_position=1, document_sha256="a" * 64)
    recorded = to_new_event(drafted, event_id=uuid.uuid4(), occurred_at=NOW, actor=SETUP)
    EventStore(api_engine).append(f"cycle-{year}", [recorded], expected_version=None)

    outcome = await reports.draft_report(
        DraftReport(year=year, narrative=FOREWORD, request_id="draft-2"), ASEC, deps
    )

    (call,) = gateway.calls
    update = call.payload
    assert isinstance(update, DraftReportUpdate)
    assert (call.method, call.year, call.actor) == ("draft_report", year, ASEC)
    assert (update.version, update.as_of_position, update.document_sha256) == (
        2, 42, DRAFT_SHA256,
    )  # fmt: skip
    # The narrative as the fingerprint saw it: stripped, as the fact will hold it.
    assert [(s.heading, s.text) for s in update.narrative] == [("Foreword", "The year in brief.")]
    assert fingerprint_of(deps).asked == [(year, 2)]
    assert gateway.update_ids == ["asec/imd|draft-2"]
    assert (outcome.version, outcome.document_sha256, outcome.as_of_position) == (
        2, DRAFT_SHA256, 42,
    )  # fmt: skip


@pytest.mark.parametrize("actor", [Actor.chair_team("SG", "sg"), Actor.nr("SG", "nr-sg")])
async def test_only_asec_drafts_and_nothing_is_computed_for_anyone_else(
    deps: CycleDeps, gateway: FakeGateway, actor: Actor
) -> None:
    with pytest.raises(NotAuthorised, match="only ASEC may"):
        await reports.draft_report(DraftReport(year=YEAR, narrative=FOREWORD), actor, deps)
    with pytest.raises(NotAuthorised, match="may not submit a draft of the annual report"):
        await reports.submit_report_draft(SubmitReportDraft(year=YEAR), actor, deps)
    assert gateway.calls == []
    assert fingerprint_of(deps).asked == []


async def test_a_narrative_over_the_budget_is_refused_before_the_report_is_computed(
    deps: CycleDeps, gateway: FakeGateway
) -> None:
    wide = tuple(NarrativeSection(heading=f"Part {n}", text="ผ" * 20_000) for n in range(2))

    with pytest.raises(ReportRefused, match=r"^narrative: [0-9,]+ bytes as JSON"):
        await reports.draft_report(DraftReport(year=YEAR, narrative=wide), ASEC, deps)
    assert gateway.calls == []
    assert fingerprint_of(deps).asked == []


async def test_a_year_with_no_cycle_in_the_store_has_no_report_to_draft(
    deps: CycleDeps, gateway: FakeGateway
) -> None:
    real = dataclasses.replace(deps, fingerprint=None)  # reports.source, over the store

    with pytest.raises(CycleNotFound, match="the store holds no cycle for 2040"):
        await reports.draft_report(DraftReport(year=2040, narrative=FOREWORD), ASEC, real)
    assert gateway.calls == []


def test_the_api_answers_a_new_version_with_its_number_digest_and_position(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    body = {"narrative": [{"heading": "Foreword", "text": "The year in brief."}]}

    response = client.post(DRAFTS, json=body, headers=bearer(tokens["asec"]))

    assert response.status_code == 201, response.text
    assert response.json() == {
        "recorded": ["draft_report-recorded"], "version": 1, "document_sha256": DRAFT_SHA256,
        "as_of_position": 42, "note": None,
    }  # fmt: skip
    assert [c.method for c in gateway.calls] == ["draft_report"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"narrative": [{"heading": "", "text": "x"}]}, "narrative.0.heading"),
        ({"narrative": [{"heading": "a\nb", "text": "x"}]}, "narrative.0.heading"),
        ({"narrative": [{"heading": "Foreword", "text": "a\x00b"}]}, "narrative.0.text"),
        ({"narrative": [{"heading": "Foreword"}]}, "narrative.0.text: Field required"),
        ({"narrative": [{"heading": "h", "text": "t", "page": 1}]}, "narrative.0.page"),
        ({"narrative": [{"heading": "h", "text": "t"}] * 21}, "narrative: 21 sections; at most 20"),
        ({"narrative": [{"heading": f"h{n}", "text": "é" * 19_000} for n in range(2)]},
         f"bytes as JSON; at most {MAX_NARRATIVE_BYTES:,} in all"),
        ({"sections": []}, "sections"),
    ],
)  # fmt: skip
def test_a_malformed_draft_is_a_422_naming_the_field(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str], body: Any, says: str
) -> None:
    response = client.post(DRAFTS, json=body, headers=bearer(tokens["asec"]))

    assert response.status_code == 422, response.text
    assert says in response.json()["detail"]
    assert gateway.calls == []


def test_the_cycles_refusal_is_a_409_in_its_own_words(
    client: TestClient, gateway: FakeGateway, tokens: dict[str, str]
) -> None:
    gateway.refusal = (
        "jcm_submission needs a submitted version of the report: ASEC has drafted none"
    )

    response = client.post(f"/v1/cycles/{YEAR}/jcm-submission", headers=bearer(tokens["nr:SG"]))

    assert response.status_code == 409
    assert response.json()["detail"] == gateway.refusal


def test_a_submission_answer_names_no_version_where_the_cycle_named_none(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        f"/v1/cycles/{YEAR}/report/draft-submission", headers=bearer(tokens["asec"])
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "recorded": ["submit_report_draft-recorded"], "version": None, "document_sha256": None,
        "note": None,
    }  # fmt: skip
