"""Action plans, IMD's assessments, partners, twinning and the annual meetings' outcomes,
as the user `ascn login` signed in: through the HTTP API (``api.routes.records``).

A file (a plan, an outcome) is checked here first, so a mistake names the file and the
field before anything is sent; the API and the workflow check it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import BaseModel, ValidationError
from rich.table import Table

from ascn.cli import acting
from ascn.cli.client import ApiClient
from ascn.cli.common import group, out, year_option
from ascn.errors import UsageError, read_text_file
from domain.monitoring import AssessProject, ExplainNotAssessed
from domain.partners import AddPartner, PairCity, RecordMeetingOutcome, RecordTwinningException
from domain.plans import ActionPlan

plans_app = group("Action plans: each member city's plan and its versions.")
partners_app = group("External partners (the Chair's team adds them).")
twinning_app = group("Twinning pairs: a city and one external partner at a time.")
outcomes_app = group("The projects launched with partners at an annual meeting.")
app = typer.Typer()

City = Annotated[str, typer.Option("--city", help="The city's id, e.g. KH-siem-reap.")]
Project = Annotated[str, typer.Option("--project", help="The project's id in the city's plan.")]
Year = Annotated[int, year_option("The year.")]
File = Annotated[Path, typer.Option(help="A YAML or JSON file.")]


@contextmanager
def signed_in() -> Iterator[ApiClient]:
    with acting.signed_in() as api:
        yield api


def read_document(path: Path, model: type[BaseModel]) -> dict[str, Any]:
    """The file's mapping, once ``model`` accepts it; else a UsageError naming the field."""
    text = read_text_file(path)
    try:
        raw: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        kind = path.suffix.lstrip(".") or "YAML"
        raise UsageError(f"{path} is not valid {kind}: {error}") from None
    if not isinstance(raw, dict):
        raise UsageError(f"{path} must hold a mapping")
    return _checked(model, raw, str(path))


def _checked(model: type[BaseModel], raw: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        return model.model_validate(raw).model_dump(mode="json")
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in error.errors()
        )
        raise UsageError(f"{where}: {problems}") from None


def _done(answer: Any) -> None:
    recorded = answer.get("recorded", []) if isinstance(answer, dict) else []
    stream = answer.get("stream", "") if isinstance(answer, dict) else ""
    out.print(f"recorded in {stream}: {', '.join(recorded) or 'nothing new'}")


def _send(path: str, body: dict[str, Any]) -> None:
    """Post the checked body as the signed-in user and say where it was recorded."""
    with signed_in() as api:
        _done(api.post(path, body))


def _list(path: str, title: str, columns: list[str]) -> None:
    """Get the rows as the signed-in user and show them as a table."""
    with signed_in() as api:
        rows = api.get(path)
    _table(title, rows, columns)


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    out.print(table)


# -- action plans --------------------------------------------------------------------


@plans_app.command("submit")
def submit_plan(
    file: Annotated[Path, typer.Option(help="YAML or JSON: city_id, period_start, "
                                       "period_end, projects.")],
) -> None:  # fmt: skip
    """Submit or revise your city's action plan (its CSCO, or the NR of its member state);
    each submission is a new version."""
    body = read_document(file, ActionPlan)
    with signed_in() as api, out.status(f"submitting the plan of {body['city_id']}..."):
        _done(api.post("/v1/plans", body))


@plans_app.command("list")
def list_plans() -> None:
    """Each city's latest plan."""
    _list("/v1/plans", "action plans",
          ["city_id", "city", "version", "period_start", "period_end", "projects"])  # fmt: skip


@plans_app.command("show")
def show_plan(city: City) -> None:
    """Every version of the city's plan, with its projects."""
    with signed_in() as api:
        versions = api.get(f"/v1/plans/{city}")
    if not versions:
        out.print(f"{city} has no plan on record")
    for version in versions:
        _table(
            f"{city} version {version['version']} ({version['period_start']}-"
            f"{version['period_end']}, by {version['submitted_by']})",
            [{**p, "focus_areas": ", ".join(p["focus_areas"])} for p in version["projects"]],
            ["project_id", "title", "status", "focus_areas"],
        )


# -- IMD's assessments ---------------------------------------------------------------


@app.command("assess")
def assess(
    year: Year,
    city: City,
    project: Project,
    status: Annotated[str, typer.Option(help="planned, ongoing, completed, stalled, dropped.")],
    evidence: Annotated[str, typer.Option(help="What the assessment rests on.")],
    link: Annotated[list[str] | None, typer.Option(help="A link to evidence (repeatable).")] = None,
) -> None:
    """Record IMD's assessment of a project for a year (ASEC); a second one for the same
    project and year is a revision."""
    body = _checked(AssessProject, {"year": year, "city_id": city, "project_id": project,
                                    "status": status, "evidence": evidence,
                                    "links": link or []}, "assessment")  # fmt: skip
    _send("/v1/assessments", body)


@app.command("not-assessed")
def not_assessed(
    year: Year, city: City, project: Project,
    reason: Annotated[str, typer.Option(help="Why the project is not assessed this year.")],
) -> None:  # fmt: skip
    """Record why a project is not assessed for a year (ASEC)."""
    body = _checked(ExplainNotAssessed, {"year": year, "city_id": city, "project_id": project,
                                         "reason": reason}, "reason")  # fmt: skip
    _send("/v1/not-assessed", body)


@app.command("projects")
def projects(
    year: Year,
    unassessed: Annotated[bool, typer.Option(help="Only those IMD has not dealt with.")] = False,
) -> None:
    """The projects of a year with IMD's assessment, or the reason there is none."""
    with signed_in() as api:
        if unassessed:
            for key in api.get(f"/v1/projects/{year}/unassessed"):
                out.print(key)
            return
        rows = api.get(f"/v1/projects/{year}")
    shown = [
        {**r, "assessed": (r["assessment"] or {}).get("status", r["not_assessed_because"] or "-")}
        for r in rows
    ]
    _table(f"projects in {year}", shown, ["city_id", "project_id", "plan_status", "assessed"])


# -- partners, twinning, outcomes ----------------------------------------------------


@partners_app.command("add")
def add_partner(
    partner_id: Annotated[str, typer.Option("--id", help="A short id, e.g. jica.")],
    name: Annotated[str, typer.Option(help="The partner's name.")],
    kind: Annotated[str, typer.Option(help="government, multilateral_body, private_sector "
                                      "or financial_institution.")],
    year: Year,
) -> None:  # fmt: skip
    """Add an external partner to the list (the Chair's team of the year's Chair)."""
    body = _checked(AddPartner, {"partner_id": partner_id, "name": name, "kind": kind,
                                 "year": year}, "partner")  # fmt: skip
    _send("/v1/partners", body)


@partners_app.command("list")
def list_partners() -> None:
    _list("/v1/partners", "external partners", ["partner_id", "name", "kind", "year", "source"])


@twinning_app.command("add")
def add_pair(
    city: City,
    partner: Annotated[str, typer.Option(help="The partner's id.")],
    starts: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    ends: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    exception: Annotated[str | None, typer.Option(help="An exception recorded for the city, "
                                                  "to overlap another pair.")] = None,
) -> None:  # fmt: skip
    """Pair a city with an external partner (the Chair's team of the starting year)."""
    body = _checked(PairCity, {"city_id": city, "partner_id": partner, "starts": starts,
                               "ends": ends, "exception_id": exception}, "pair")  # fmt: skip
    _send("/v1/twinning", body)


@twinning_app.command("exception")
def twinning_exception(
    year: Year, city: City,
    exception_id: Annotated[str, typer.Option("--id", help="A short id for the exception.")],
    reason: Annotated[str, typer.Option(help="Why the city may pair with one more partner.")],
) -> None:  # fmt: skip
    """Let a city pair with one more partner at a time (the Chair's team)."""
    body = _checked(RecordTwinningException, {"year": year, "city_id": city,
                                              "exception_id": exception_id, "reason": reason},
                    "exception")  # fmt: skip
    _send("/v1/twinning/exceptions", body)


@twinning_app.command("list")
def list_pairs() -> None:
    _list("/v1/twinning", "twinning pairs",
          ["city_id", "partner_id", "starts", "ends", "exception_id"])  # fmt: skip


@outcomes_app.command("record")
def record_outcome(
    file: Annotated[Path, typer.Option(help="YAML or JSON: year, partners, launches.")],
) -> None:
    """Record an annual meeting's outcome: the partners it brought in, the projects it
    launched with partners (the Chair's team of that year)."""
    body = read_document(file, RecordMeetingOutcome)
    _send("/v1/meeting-outcomes", body)


@outcomes_app.command("list")
def list_outcomes(year: Year) -> None:
    _list(f"/v1/meeting-outcomes/{year}", f"launched at the {year} annual meeting",
          ["city_id", "project_id", "title", "partner_id"])  # fmt: skip
