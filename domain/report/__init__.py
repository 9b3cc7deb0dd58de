"""The annual report: its model (``domain.report.model``), the builder that folds a
year's events into it (``domain.report.build``), and its canonical JSON and SHA-256
(``domain.report.canonical``). Pure: the store is read elsewhere (``reports.source``)."""

from domain.report.build import (
    MEASURES,
    NO_CYCLE,
    DigestMismatch,
    ReportError,
    ReportNotFound,
    build_report,
)
from domain.report.canonical import canonical_json, document_sha256, from_json
from domain.report.facts import Fact, needs
from domain.report.model import *  # noqa: F403 - the model's classes are the package's
from domain.report.model import FORMAT, PROGRESS_COUNTS, Report

__all__ = [
    "FORMAT",
    "MEASURES",
    "NO_CYCLE",
    "PROGRESS_COUNTS",
    "DigestMismatch",
    "Fact",
    "Report",
    "ReportError",
    "ReportNotFound",
    "build_report",
    "canonical_json",
    "document_sha256",
    "from_json",
    "needs",
]
