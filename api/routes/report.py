"""The annual report: the year's live report, and each draft checked against the SHA-256
recorded when it was drafted. Any signed-in caller who may read the cycle may read it.

``?format=json`` (the default) is the report's canonical JSON: the bytes a draft's
digest is taken over. Every answer carries the report's SHA-256 (``ETag`` and
``Ascn-Report-Sha256``) and the log position it is as of (``Ascn-Report-As-Of``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import may
from api.context import ApiContext, Context
from api.problems import problem, problem_responses
from domain.access import Action
from domain.actors import Actor
from domain.events.chain import MAX_REPORT_VERSIONS
from domain.report import DigestMismatch, Report, ReportNotFound
from reports.csp import content_security_policy
from reports.formats import MEDIA_TYPES, Format, FormatUnavailable
from services.report_reading import ReadReport, ReportDocument, ReportSource, read_report

router = APIRouter(prefix="/v1/cycles", tags=["report"])

YearPath = Annotated[int, Path(ge=1967, le=9999, description="The cycle's year.")]
VersionPath = Annotated[
    int, Path(ge=1, le=MAX_REPORT_VERSIONS, description="The draft's number (1, 2, ...).")
]
FormatQuery = Annotated[Format, Query(description="json (the canonical form), html or pdf.")]
Reader = Annotated[Actor, Depends(may(Action.READ_CYCLE))]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report, in the format asked for.",
        "content": {MEDIA_TYPES["html"]: {}, MEDIA_TYPES["pdf"]: {}},
    },
    **problem_responses(401, 403, 404, 409, 422, 501),
}


@router.get("/{year}/report", response_model=Report, responses=RESPONSES)
def live_report(
    year: YearPath, _: Reader, context: Context, format: FormatQuery = "json"
) -> Response:
    """The year's report as the store has it now: every event up to its last position,
    with the narrative of the latest draft (none yet: no narrative)."""
    return _answer(context, ReadReport(year=year, format=format))


@router.get("/{year}/report/{version}", response_model=Report, responses=RESPONSES)
def draft_report(
    year: YearPath, version: VersionPath, _: Reader, context: Context,
    format: FormatQuery = "json",
) -> Response:  # fmt: skip
    """Draft ``version`` as it was drafted (the events up to its position, its narrative),
    checked against its recorded SHA-256: a 409 names both digests if they differ."""
    return _answer(context, ReadReport(year=year, version=version, format=format))


def _answer(context: ApiContext, command: ReadReport) -> Response:
    source = ReportSource(store=context.store, reference=context.cycles.reference)
    try:
        document = read_report(source, command)
    except ReportNotFound as error:
        return problem(404, str(error), kind="no-report", title="No such report")
    except DigestMismatch as error:
        return problem(409, str(error), kind="digest-mismatch", title="The draft was altered")
    except FormatUnavailable as error:
        return problem(501, str(error))
    return report_response(command, document)


def report_response(command: ReadReport, document: ReportDocument) -> Response:
    """A rendered report as its answer, for the API and the pages alike: its digest and
    position in the headers, a file name, and (HTML) the report's own policy."""
    draft = "" if command.version is None else f"-v{command.version}"
    headers = {
        "ETag": f'"{document.sha256}"',
        "Ascn-Report-Sha256": document.sha256,
        "Ascn-Report-As-Of": str(document.report.meta.as_of_position),
        "Content-Disposition": (
            f'inline; filename="ascn-report-{command.year}{draft}.{command.format}"'
        ),
    }
    if command.format == "html":
        # Its own policy (api.security keeps it): its one stylesheet, by hash; no script.
        headers["Content-Security-Policy"] = content_security_policy(document.content.decode())
    return Response(document.content, media_type=document.media_type, headers=headers)
