"""Reading the annual report: the live report of a year, or one of its drafts checked
against its recorded SHA-256, in the format asked for. Reads only read.

Who may read is the entry point's check: the API's ``READ_CYCLE`` (any signed-in reader
of the cycle), the CLI's access to the store itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from domain.events.chain import MAX_REPORT_VERSIONS
from domain.reference import ReferenceData
from domain.report import Report, document_sha256
from domain.values import Year
from eventstore.store import EventStore
from reports.formats import MEDIA_TYPES, Format, latest_checkpoint, render
from reports.source import generate


@dataclass(frozen=True)
class ReportSource:
    """Where reports are read from: the event store, and the reference data that names
    the member states, cities and focus areas."""

    store: EventStore
    reference: ReferenceData


class ReadReport(BaseModel):
    """Which report: the year's live report (``version`` None) or draft ``version``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: Year
    version: int | None = Field(default=None, ge=1, le=MAX_REPORT_VERSIONS)
    format: Format = "json"


@dataclass(frozen=True)
class ReportDocument:
    """A report, rendered: the bytes, their media type, and the report's SHA-256 (of its
    canonical JSON, whatever the format)."""

    report: Report
    content: bytes
    media_type: str
    sha256: str


def read_report(source: ReportSource, command: ReadReport) -> ReportDocument:
    """The report asked for, rendered; ``domain.report.ReportNotFound`` for a year with no
    cycle or a draft never recorded, ``DigestMismatch`` for a draft the store no longer
    gives (both name the year and version)."""
    report = generate(source.store, source.reference, command.year, version=command.version)
    checkpoint = None if command.format == "json" else latest_checkpoint(source.store.engine)
    return ReportDocument(
        report=report,
        content=render(report, command.format, checkpoint),
        media_type=MEDIA_TYPES[command.format],
        sha256=document_sha256(report),
    )
