"""The annual report's versions as ASEC makes them: draft a version, submit one.

A draft is the report as the store has it now, with ASEC's narrative. The services
compute the position of the log it is as of and its SHA-256 (``CycleDeps.fingerprint``,
by default ``reports.source``, which reads the store); the cycle checks their shape,
numbers the version and records it (``workflows.reporting``). The digest covers
the version's number, so the draft names the number it was computed for, and the
cycle refuses it if another draft was recorded meanwhile: of two identical drafts sent
at once, one is recorded (with an Idempotency-Key, Temporal runs the command once).
"""

from __future__ import annotations

import asyncio

from domain.access import Action, authorize
from domain.actors import Actor
from domain.events import ReportDrafted
from domain.report import ReportNotFound
from domain.report_versions import check_narrative
from domain.streams import cycle_stream
from domain.text import as_entered
from eventstore.codec import to_domain
from eventstore.store import EventStore
from services.commands import Drafted, DraftReport, Outcome, SubmitReportDraft
from services.cycles import CycleDeps, scope_of, update_id
from services.errors import CycleNotFound
from workflows.messages import DraftReportUpdate, DraftSection, SubmitReportDraftUpdate


def drafts_recorded(store: EventStore, year: int) -> list[ReportDrafted]:
    """The versions of the year's report the cycle has recorded, in order (its stream is
    a few hundred facts a year)."""
    found = (
        to_domain(e) for e in store.read_stream(cycle_stream(year)) if e.type == "ReportDrafted"
    )
    return [event for event in found if isinstance(event, ReportDrafted)]


async def draft_report(command: DraftReport, actor: Actor, deps: CycleDeps) -> Drafted:
    """ASEC's next version of the report: computed, then sent to the cycle."""
    year = command.year
    authorize(actor, Action.DRAFT_REPORT, scope_of(deps, year))
    as_entered(command)  # each heading one line, each text no control but \n and \t
    check_narrative([(s.heading, s.text) for s in command.narrative])  # before reading
    try:  # a read of the whole log: off the event loop, which serves other requests
        version, as_of, digest, as_latest = await asyncio.to_thread(_fingerprint, command, deps)
    except ReportNotFound as error:
        raise CycleNotFound(year, str(error)) from None
    update = DraftReportUpdate(
        actor=actor, as_of_position=as_of, document_sha256=digest, version=version,
        digest_as_latest=as_latest,
        narrative=tuple(DraftSection(heading=s.heading, text=s.text) for s in command.narrative),
    )  # fmt: skip
    sealed = deps.sealer.seal(year, "draft_report", update)
    result = await deps.gateway.draft_report(year, sealed, update_id(actor, command.request_id))
    # The outcome Temporal kept: a retry with the same key gets the first draft's numbers.
    return Drafted(
        year=year, recorded=result.recorded, version=result.version or version,
        document_sha256=result.document_sha256 or digest,
        as_of_position=as_of if result.as_of_position is None else result.as_of_position,
        note=result.note,
    )  # fmt: skip


def _fingerprint(command: DraftReport, deps: CycleDeps) -> tuple[int, int, str, str | None]:
    """The next version's number, and its position and SHA-256 computed as that version;
    with the latest version's narrative, also the SHA-256 computed as the latest (the
    cycle refuses a draft that repeats it)."""
    drafts = drafts_recorded(deps.store, command.year)
    version = len(drafts) + 1
    fingerprint = deps.report_fingerprint()
    as_latest = None
    if drafts and drafts[-1].narrative == command.narrative:
        latest = drafts[-1]
        _, as_latest = fingerprint.fingerprint(
            command.year, command.narrative, version=latest.version,
            as_of_position=latest.as_of_position,
        )  # fmt: skip
    as_of, digest = fingerprint.fingerprint(command.year, command.narrative, version=version)
    return version, as_of, digest, as_latest


async def submit_report_draft(command: SubmitReportDraft, actor: Actor, deps: CycleDeps) -> Outcome:
    """ASEC submits its latest version: ``report_draft`` is settled."""
    authorize(actor, Action.SUBMIT_REPORT_DRAFT, scope_of(deps, command.year))
    update = SubmitReportDraftUpdate(actor=actor, version=command.version)
    sealed = deps.sealer.seal(command.year, "submit_report_draft", update)
    result = await deps.gateway.submit_report_draft(
        command.year, sealed, update_id(actor, command.request_id)
    )
    return Outcome(
        year=command.year, recorded=result.recorded, version=result.version,
        document_sha256=result.document_sha256,
    )  # fmt: skip
