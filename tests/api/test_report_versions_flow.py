"""The report's versions through the API, on the real gateway, a time-skipping server and
the store: ASEC's draft sent ten times at once with one Idempotency-Key is one version;
that version reads back with the digest it was drafted with; the JCM submission names it;
the status and the chain's view show it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from ascn.projections import catch_up_all
from domain.planning import plan_cycle
from eventstore.store import EventStore
from services.cycles import CycleDeps
from services.gateway import TemporalCycleGateway
from services.sealing import Sealer
from tests.api.test_concurrent_requests import Api
from tests.api.test_temporal_gateway import (
    REFERENCE,
    MovableClock,
    bearer_of,
    engine,  # noqa: F401 (fixtures shared with the gateway's own test)
    env,  # noqa: F401
    worker,  # noqa: F401
)
from tests.sealing import SEAL_KEYS

FOREWORD = {"narrative": [{"heading": "Foreword", "text": "The year in brief."}]}
REVISED = {"narrative": [{"heading": "Foreword", "text": "The year in brief, revised."}]}
BEFORE_THE_DRAFT = ("nomination_deadline", "scgw", "progress_review", "annual_meeting")


@dataclass
class Drafting(Api):
    clock: MovableClock

    async def at_report_draft(self) -> None:
        """The steps before it waived, and the day report_draft opens (plus one)."""
        for step in BEFORE_THE_DRAFT:
            waived = await self.http.post(
                f"/v1/cycles/{self.year}/steps/{step}/waive",
                json={"reason": "held with the SOM"}, headers=self.headers["chair"],
            )  # fmt: skip
            assert waived.status_code == 200, waived.text
        opens = plan_cycle(REFERENCE, self.year, "recurring").step("report_draft").opens_at
        await self.env.sleep(opens - await self.env.get_current_time() + timedelta(days=1))
        self.clock.now = await self.env.get_current_time()


@pytest.fixture
async def api(
    env: WorkflowEnvironment,  # noqa: F811
    worker: Worker,  # noqa: F811
    engine: Engine,  # noqa: F811
) -> AsyncIterator[Drafting]:
    """Next year's cycle (Chair SG, shepherd ID), started through the API."""
    clock = MovableClock(await env.get_current_time())
    year = clock.now.year + 1
    shepherd = REFERENCE.shepherd_for(year).code
    headers = {
        "shepherd": bearer_of(engine, "the-shepherd", f"shepherd:{shepherd}", clock.now),
        "chair": bearer_of(engine, "the-chair-team", "chair_team:SG", clock.now),
        "nr": bearer_of(engine, "nr-sg", "nr:SG", clock.now),
        "asec": bearer_of(engine, "asec-imd", "asec", clock.now),
    }
    cycles = CycleDeps(
        gateway=TemporalCycleGateway(env.client, worker.task_queue),
        sealer=Sealer(SEAL_KEYS, clock), reference=REFERENCE, store=EventStore(engine),
    )  # fmt: skip
    app = create_app(engine=engine, cycles=cycles, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ascn"
    ) as http:
        started = await http.post("/v1/cycles", json={"year": year}, headers=headers["shepherd"])
        assert started.status_code == 201, started.text
        yield Drafting(http=http, year=year, headers=headers, env=env, engine=engine, clock=clock)


async def test_one_draft_sent_at_once_with_one_key_is_one_version_that_reads_back(
    api: Drafting,
) -> None:
    await api.at_report_draft()
    keyed = {**api.headers["asec"], "Idempotency-Key": "draft-the-foreword"}

    answers = await asyncio.gather(*(
        api.http.post(f"/v1/cycles/{api.year}/report/drafts", json=FOREWORD, headers=keyed)
        for _ in range(10)
    ))  # fmt: skip

    assert {a.status_code for a in answers} == {201}, [a.text for a in answers][:2]
    assert len({a.text for a in answers}) == 1  # every caller got the first answer
    drafted = answers[0].json()
    assert drafted["version"] == 1
    assert api.facts()["ReportDrafted"] == 1
    # Rebuilt from the events up to its position, it gives the digest it was drafted with.
    read = await api.http.get(f"/v1/cycles/{api.year}/report/1", headers=api.headers["asec"])
    assert read.status_code == 200, read.text
    assert read.headers["Ascn-Report-Sha256"] == drafted["document_sha256"]
    assert read.headers["Ascn-Report-As-Of"] == str(drafted["as_of_position"])


async def test_the_submitted_version_goes_to_the_jcm_and_the_status_shows_it(
    api: Drafting,
) -> None:
    await api.at_report_draft()
    none_yet = await api.http.post(
        f"/v1/cycles/{api.year}/report/draft-submission", headers=api.headers["asec"]
    )
    drafted = (await api.http.post(f"/v1/cycles/{api.year}/report/drafts", json=FOREWORD,
                                   headers=api.headers["asec"])).json()  # fmt: skip
    given = await api.http.post(
        f"/v1/cycles/{api.year}/report/draft-submission", headers=api.headers["asec"]
    )
    jcm = plan_cycle(REFERENCE, api.year, "recurring").step("jcm_submission")
    await api.env.sleep(jcm.opens_at - await api.env.get_current_time() + timedelta(days=1))
    api.clock.now = await api.env.get_current_time()
    sent = await api.http.post(f"/v1/cycles/{api.year}/jcm-submission", headers=api.headers["nr"])

    assert none_yet.status_code == 409
    assert "ASEC has drafted no version of the" in none_yet.json()["detail"]
    assert given.status_code == 200, given.text
    assert given.json()["version"] == 1
    assert sent.status_code == 200, sent.text
    assert (sent.json()["version"], sent.json()["document_sha256"]) == (
        1, drafted["document_sha256"],
    )  # fmt: skip
    assert sent.json()["note"] == "waiting for the shepherd to submit version 1"
    catch_up_all(api.engine)
    status = (await api.http.get(f"/v1/cycles/{api.year}", headers=api.headers["nr"])).json()
    report = status["report"]
    assert [(v["version"], v["document_sha256"], v["drafted_by"]) for v in report["versions"]] == [
        (1, drafted["document_sha256"], "asec/asec-imd"),
    ]  # fmt: skip
    assert report["draft_submitted"]["version"] == 1
    assert (report["submitted_to_jcm"], report["still_to_submit"]) == (1, ["shepherd:ID"])
    chain = (await api.http.get(f"/v1/cycles/{api.year}/decisions",
                                headers=api.headers["nr"])).json()  # fmt: skip
    assert [d["version"] for d in chain["drafts"]] == [1]
    assert chain["still_to_submit"] == ["shepherd:ID"]


async def test_a_jcm_submission_naming_an_overtaken_version_is_a_409_naming_both(
    api: Drafting,
) -> None:
    await api.at_report_draft()
    drafts = f"/v1/cycles/{api.year}/report/drafts"
    await api.http.post(drafts, json=FOREWORD, headers=api.headers["asec"])
    given = await api.http.post(
        f"/v1/cycles/{api.year}/report/draft-submission", headers=api.headers["asec"]
    )
    assert given.status_code == 200, given.text
    jcm = plan_cycle(REFERENCE, api.year, "recurring").step("jcm_submission")
    await api.env.sleep(jcm.opens_at - await api.env.get_current_time() + timedelta(days=1))
    api.clock.now = await api.env.get_current_time()
    second = (await api.http.post(drafts, json=REVISED, headers=api.headers["asec"])).json()
    submission = f"/v1/cycles/{api.year}/jcm-submission"

    stale = await api.http.post(submission, json={"version": 1}, headers=api.headers["nr"])
    bad = await api.http.post(submission, json={"version": 0}, headers=api.headers["nr"])
    read = await api.http.post(submission, json={"version": 2}, headers=api.headers["nr"])

    assert stale.status_code == 409, stale.text
    assert stale.json()["detail"] == (
        f"version: the submission names version 1, but the latest is now version 2 (sha256 "
        f"{second['document_sha256']}), drafted since; read version 2, then submit it"
    )
    assert bad.status_code == 422, bad.text
    assert read.status_code == 200, read.text
    assert read.json()["version"] == 2
    assert api.facts()["ReportSubmitted"] == 1


async def test_asecs_submission_naming_an_overtaken_version_is_a_409_naming_both(
    api: Drafting,
) -> None:
    await api.at_report_draft()
    drafts = f"/v1/cycles/{api.year}/report/drafts"
    await api.http.post(drafts, json=FOREWORD, headers=api.headers["asec"])
    second = (await api.http.post(drafts, json=REVISED, headers=api.headers["asec"])).json()
    submission = f"/v1/cycles/{api.year}/report/draft-submission"

    stale = await api.http.post(submission, json={"version": 1}, headers=api.headers["asec"])
    bad = await api.http.post(submission, json={"version": 0}, headers=api.headers["asec"])
    unknown = await api.http.post(submission, json={"versions": 2}, headers=api.headers["asec"])
    assert api.facts()["ReportDraftSubmitted"] == 0
    read = await api.http.post(submission, json={"version": 2}, headers=api.headers["asec"])

    assert stale.status_code == 409, stale.text
    assert stale.json()["detail"] == (
        f"version: the submission names version 1, but the latest is now version 2 (sha256 "
        f"{second['document_sha256']}), drafted since; read version 2, then submit it"
    )
    assert bad.status_code == 422, bad.text
    assert "version" in bad.text
    assert unknown.status_code == 422, unknown.text
    assert read.status_code == 200, read.text
    assert (read.json()["version"], read.json()["document_sha256"]) == (
        2, second["document_sha256"],
    )  # fmt: skip
    assert api.facts()["ReportDraftSubmitted"] == 1


async def test_a_draft_that_repeats_the_latest_version_is_refused_until_the_figures_change(
    api: Drafting,
) -> None:
    await api.at_report_draft()
    drafts, asec = f"/v1/cycles/{api.year}/report/drafts", api.headers["asec"]
    first = await api.http.post(drafts, json=FOREWORD, headers=asec)
    again = await api.http.post(drafts, json=FOREWORD, headers=asec)
    assert first.status_code == 201, first.text
    assert again.status_code == 409, again.text
    assert again.json()["detail"].startswith(
        "version 1 already has this narrative and figures; nothing was drafted"
    )
    assert api.facts()["ReportDrafted"] == 1

    # Another narrative is a new version; so is the same one once a fact changes the
    # report (ASEC's submission of version 2 completes report_draft).
    other = {"narrative": [{"heading": "Foreword", "text": "The year, revised."}]}
    second = await api.http.post(drafts, json=other, headers=asec)
    assert (second.status_code, second.json()["version"]) == (201, 2), second.text
    submitted = await api.http.post(f"/v1/cycles/{api.year}/report/draft-submission", headers=asec)
    assert submitted.status_code == 200, submitted.text
    third = await api.http.post(drafts, json=other, headers=asec)
    assert (third.status_code, third.json()["version"]) == (201, 3), third.text
    assert api.facts()["ReportDrafted"] == 3
