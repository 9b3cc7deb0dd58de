"""A draft's narrative as people write it: a Markdown file, one section per ``## `` heading.

    ## Foreword
    The ASCN's first year...

    ## The year's outcomes
    ...

Everything under a heading, up to the next, is that section's text (paragraphs, lists,
lower headings such as ``###``); blank lines before the first heading are ignored, any
other text there is refused. The sections are checked as the cycle will check them, and
each problem is one line naming the file, the line and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ascn.errors import UsageError
from domain.events import NarrativeSection
from domain.events.chain import MAX_NARRATIVE_SECTIONS, MAX_NARRATIVE_TEXT
from domain.report_versions import MAX_NARRATIVE_BYTES, narrative_bytes
from domain.text import text_problem
from domain.values import line_of

HEADING = "## "
MAX_HEADING = 200


@dataclass
class _Section:
    line: int
    heading: str
    lines: list[str]


def read_narrative(path: Path) -> list[dict[str, str]]:
    """The file's sections as the API takes them: ``[{"heading": ..., "text": ...}]``."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text (byte {error.start})") from None
    sections = _sections(path, text)
    if not sections:
        raise UsageError(f"{path}: no section; each starts with a line '{HEADING}<heading>'")
    if len(sections) > MAX_NARRATIVE_SECTIONS:
        raise UsageError(
            f"{path}: {len(sections)} sections; at most {MAX_NARRATIVE_SECTIONS} (the one "
            f"too many starts at line {sections[MAX_NARRATIVE_SECTIONS].line})"
        )
    checked = [_checked(path, section) for section in sections]
    size = narrative_bytes([(s["heading"], s["text"]) for s in checked])
    if size > MAX_NARRATIVE_BYTES:
        raise UsageError(
            f"{path}: the narrative is {size:,} bytes as JSON; at most {MAX_NARRATIVE_BYTES:,} "
            "in all"
        )
    return checked


def _sections(path: Path, text: str) -> list[_Section]:
    sections: list[_Section] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(HEADING):
            sections.append(_Section(line=number, heading=line[len(HEADING) :], lines=[]))
        elif sections:
            sections[-1].lines.append(line)
        elif line.strip():
            raise UsageError(
                f"{path}:{number}: text before the first heading; each section starts with a "
                f"line '{HEADING}<heading>'"
            )
    return sections


def _checked(path: Path, section: _Section) -> dict[str, str]:
    where = f"{path}:{section.line}"
    heading, body = section.heading.strip(), "\n".join(section.lines).strip()
    if not heading:
        raise UsageError(f"{where}: a heading with no words")
    if len(heading) > MAX_HEADING:
        raise UsageError(
            f"{where}: the heading is {len(heading)} characters; at most {MAX_HEADING}"
        )
    problem = text_problem(heading)
    if problem is not None:
        raise UsageError(f"{where}: the heading {heading[:40]!r}: {problem}")
    if not body:
        raise UsageError(f"{where}: section {heading[:40]!r} has no text")
    if len(body) > MAX_NARRATIVE_TEXT:
        raise UsageError(
            f"{where}: section {heading[:40]!r} is {len(body):,} characters; at most "
            f"{MAX_NARRATIVE_TEXT:,}"
        )
    problem = text_problem(body, multi_line=True)
    if problem is not None:
        raise UsageError(f"{where}: the text of section {heading[:40]!r}: {problem}")
    try:
        NarrativeSection(heading=heading, text=body)
    except ValidationError as error:  # what the checks above do not foresee
        raise UsageError(f"{where}: {line_of(error)}") from None
    return {"heading": heading, "text": body}
