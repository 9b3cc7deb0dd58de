"""The chain as people record it, through the HTTP API as the signed-in user: each
body's decision, ASEC's drafts of the report, the JCM submission, the progress review,
candidature cities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ascn.cli.acting import _deadline, _done, signed_in
from ascn.cli.common import Year, group, out
from ascn.narrative_file import read_narrative

app = typer.Typer()
cities_app = group("Candidature cities: an NR proposes, the Chair's team decides.")

Step = Annotated[str, typer.Option(help="Step name, e.g. acc.")]


@app.command()
def decision(
    year: Year,
    step: Step,
    body: Annotated[str, typer.Option(help="JCM, ACC, Summit, AMM or a sectoral body.")],
    decided: Annotated[
        str, typer.Option(help="noted, endorsed, adopted, deferred or returned_for_revision.")
    ],
    on: Annotated[str, typer.Option(help="The day it decided (YYYY-MM-DD).")],
    meeting: Annotated[str, typer.Option(help='The meeting, e.g. "35th ASEAN Summit".')],
    concerning: Annotated[str, typer.Option(help="What it decided on: document and version.")],
    sha256: Annotated[str | None, typer.Option(help="The document's SHA-256.")] = None,
    to: Annotated[
        str | None,
        typer.Option(
            help="A deferral or a return: the step's new deadline (date or ISO datetime)."
        ),
    ] = None,
) -> None:
    """Record a body's decision (the Chair's team of the year, or ASEC)."""
    request = {
        "body": body, "decision": decided, "decided_on": on, "meeting": meeting,
        "concerning": concerning, "document_sha256": sha256,
        "new_deadline": None if to is None else _deadline(to).isoformat(),
    }  # fmt: skip
    with signed_in() as api:
        _done(api.post(f"/v1/cycles/{year}/steps/{step}/decisions", request))


@app.command("submit-report")
def submit_report(
    year: Year,
    version: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="The version you read: refused if ASEC has drafted another since. "
            "Left out, the latest is submitted, whichever it is.",
        ),
    ] = None,
) -> None:
    """Submit the report to the JCM (the Chair of the ASCN, or the shepherd): the latest
    version ASEC drafted; the step completes once both have submitted it."""
    body = None if version is None else {"version": version}
    with signed_in() as api:
        answer = api.post(f"/v1/cycles/{year}/jcm-submission", body)
    _done(answer)
    _version(answer, "submitted to the JCM")


@app.command("draft-report")
def draft_report(
    year: Year,
    narrative: Annotated[
        Path,
        typer.Option(help="A Markdown file: each section starts with a line '## <heading>'."),
    ],
) -> None:
    """Draft the next version of the report (ASEC): the report as the store has it now,
    with your narrative. Prints its number, SHA-256 and the log's position it is as of."""
    body = {"narrative": read_narrative(narrative)}
    with signed_in() as api, out.status(f"drafting the {year} report..."):
        answer = api.post(f"/v1/cycles/{year}/report/drafts", body)
    out.print(
        f"version {answer['version']} of the {year} report drafted: sha256 "
        f"{answer['document_sha256']}, as of position {answer['as_of_position']}",
        soft_wrap=True,
    )
    if answer.get("note"):
        out.print(f"[yellow]{answer['note']}[/yellow]", soft_wrap=True)


@app.command("submit-draft")
def submit_draft(
    year: Year,
    version: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="The version you read: refused if another has been drafted since. "
            "Left out, the latest is submitted, whichever it is.",
        ),
    ] = None,
) -> None:
    """Submit your latest version of the report (ASEC): report_draft is settled."""
    body = None if version is None else {"version": version}
    with signed_in() as api:
        answer = api.post(f"/v1/cycles/{year}/report/draft-submission", body)
    _done(answer)
    _version(answer, "submitted by ASEC")


def _version(answer: Any, what: str) -> None:
    """The version a submission named, and who still has to submit it (if anyone)."""
    if isinstance(answer, dict) and answer.get("version") is not None:
        out.print(f"version {answer['version']} {what} (sha256 {answer['document_sha256']})",
                  soft_wrap=True)  # fmt: skip
        if answer.get("note"):
            out.print(answer["note"], soft_wrap=True)


@app.command("progress-review")
def progress_review(year: Year) -> None:
    """Settle the progress review (ASEC): every active project assessed, or a reason."""
    with signed_in() as api:
        _done(api.post(f"/v1/cycles/{year}/progress-review"))


@app.command()
def decisions(year: Year) -> None:
    """Each body's decision of the year, and the submissions, as JSON."""
    with signed_in() as api:
        out.print_json(json.dumps(api.get(f"/v1/cycles/{year}/decisions")))


@cities_app.command("propose")
def propose(
    year: Year,
    member_state: Annotated[str, typer.Option(help="Your member state, e.g. TL.")],
    city: Annotated[str, typer.Option(help="The city's name.")],
    capital: Annotated[bool, typer.Option(help="Whether it is the capital.")] = False,
) -> None:
    """Propose a candidature city of your member state (its NR)."""
    request = {"member_state": member_state, "city": city, "capital": capital}
    with signed_in() as api:
        _done(api.post(f"/v1/cycles/{year}/candidature-cities", request))


@cities_app.command("decide")
def decide(
    year: Year,
    member_state: Annotated[str, typer.Option(help="The member state, e.g. TL.")],
    city: Annotated[str, typer.Option(help="The proposed city.")],
    accept: Annotated[bool, typer.Option("--accept/--decline", help="Accept or decline.")],
    reason: Annotated[str, typer.Option(help="Why (needed to decline).")] = "",
) -> None:
    """Accept or decline a proposed city (the Chair's team of the year)."""
    request = {"member_state": member_state, "city": city, "reason": reason,
               "decision": "accepted" if accept else "declined"}  # fmt: skip
    with signed_in() as api:
        _done(api.post(f"/v1/cycles/{year}/candidature-cities/decisions", request))


@cities_app.command("list")
def list_cities() -> None:
    """The candidature cities and the reference data's version, as JSON."""
    with signed_in() as api:
        out.print_json(json.dumps(api.get("/v1/membership")))
