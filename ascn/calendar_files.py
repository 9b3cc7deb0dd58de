"""Reading calendar files (YAML): a path given on the command line, or a packaged year.

The checking itself is the domain's (``domain.calendar_files``); here the YAML becomes
plain data, with a syntax error reported at its line and column.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from domain.calendar_files import CalendarInvalid, CheckedCalendar, check_calendar
from domain.reference import ReferenceData

MAX_FILE_BYTES = 1_000_000


def read_calendar(path: Path) -> Any:
    """The file's content as plain data; CalendarInvalid if it is not readable YAML."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CalendarInvalid([f"cannot read {path}: {error.strerror or error}"]) from None
    if len(data) > MAX_FILE_BYTES:
        raise CalendarInvalid([f"{path} is larger than {MAX_FILE_BYTES} bytes"])
    return parse_calendar(data.decode("utf-8", errors="replace"))


class _DatesAsText(yaml.SafeLoader):
    """YAML without its implicit timestamps: dates stay text, so the calendar's own checks
    name a bad one (``steps[0].opens: ...``) with every other problem, where the YAML
    loader would stop at the first with a bare ValueError."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_calendar(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_DatesAsText)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise CalendarInvalid([f"{where}not valid YAML: {error.problem}"]) from None
    except yaml.YAMLError as error:
        raise CalendarInvalid([f"not valid YAML: {error}"]) from None


def packaged_calendar(year: int, reference: ReferenceData | None = None) -> CheckedCalendar:
    """The calendar shipped for ``year`` (``domain/data/calendars/<year>.yaml``)."""
    text = resources.files("domain").joinpath(f"data/calendars/{year}.yaml").read_text("utf-8")
    return check_calendar(parse_calendar(text), reference or ReferenceData.load())


def as_json(raw: Any) -> Any:
    """The file's data as JSON can carry it (dates as YYYY-MM-DD), for the API."""
    return json.loads(json.dumps(raw, default=_plain))


def _plain(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
