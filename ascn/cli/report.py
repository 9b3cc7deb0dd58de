"""``ascn report``: the year's annual report, or one of its drafts, written to a file.

It reads the event store itself (``--db``), read-only, through the report service
(``services.report_reading``): the live report is every event up to now with the
narrative of the latest draft; ``--version N`` is draft N rebuilt as it was drafted
and checked against its recorded SHA-256 (a mismatch is an error that names both).
The JSON is the report's canonical form: ``sha256sum`` of a draft's JSON gives the
digest its ``ReportDrafted`` recorded.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ascn.bootstrap import services
from ascn.cli.common import DbOption, load, year_option
from ascn.errors import UsageError
from domain.events.chain import MAX_REPORT_VERSIONS
from services.report_reading import ReadReport, ReportSource, read_report

app = typer.Typer()


class Format(StrEnum):
    json = "json"
    html = "html"
    pdf = "pdf"


STDOUT = "-"


@app.command()
def report(
    year: Annotated[int, year_option("The cycle's year.")],
    out: Annotated[str, typer.Option("--out", help="The file to write, or - for standard output.")],
    fmt: Annotated[Format, typer.Option("--format", help="The format.")] = Format.json,
    version: Annotated[
        int | None,
        typer.Option(
            "--version",
            min=1,
            max=MAX_REPORT_VERSIONS,
            help="A draft's number; without it, the live report.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the year's annual report (or draft --version N, checked) as json, html or pdf."""
    command = ReadReport(year=year, version=version, format=fmt.value)
    with services(load(db), read_only=True) as built:
        document = read_report(ReportSource(store=built.store, reference=built.reference), command)
    which = "live report" if version is None else f"draft {version}"
    if out == STDOUT:
        sys.stdout.buffer.write(document.content)
        sys.stdout.buffer.flush()
    else:
        _write(Path(out), document.content)
    where = "standard output" if out == STDOUT else out
    typer.echo(
        f"wrote the {year} {which} ({fmt.value}, as of position "
        f"{document.report.meta.as_of_position}, sha256 {document.sha256}) to {where}",
        err=True,
    )


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise UsageError(f"out: cannot write {path}: {error.strerror}") from None
