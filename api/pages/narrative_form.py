"""ASEC's narrative for a new version of the report: one fieldset per section, a
heading and its text.

The form starts from the latest draft's narrative, with a spare fieldset for a new
section ("Add another section" draws one more and sends nothing); a fieldset left
blank is ignored, one whose "leave it out" box is ticked is left out of the new
version. The page only reads the form into the service's ``DraftReport``; the command's
model, the service and the cycle decide, and each problem is placed on its field (the
narrative as a whole, for its size or its number of sections).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.pages.forms import Loc, Place, Values, leading_field
from api.pages.forms import text as _text
from domain.events import NarrativeSection
from domain.events.chain import MAX_NARRATIVE_SECTIONS
from services.commands import DraftReport

SECTION_FIELDS = ("heading", "text")
NARRATIVE = "narrative"
"""The fieldset that holds every section: where a problem of the whole narrative goes."""


def slot(index: int, name: str) -> str:
    """The form field of a section's fieldset: ``sections-0-heading``."""
    return f"sections-{index}-{name}"


def values_of_narrative(sections: Sequence[NarrativeSection]) -> tuple[Values, int]:
    """The form filled with a draft's narrative, and its fieldsets: one per section and
    a spare one."""
    values: Values = {}
    for index, section in enumerate(sections):
        values[slot(index, "heading")] = section.heading
        values[slot(index, "text")] = section.text
    return values, min(len(sections) + 1, MAX_NARRATIVE_SECTIONS + 1)


def slots_of(values: Mapping[str, Any]) -> int:
    """How many fieldsets the form had (at least one, at most the limit + 1)."""
    raw = values.get("slots", "1")
    count = int(raw) if isinstance(raw, str) and raw.isdigit() else 1
    return max(1, min(count, MAX_NARRATIVE_SECTIONS + 1))


@dataclass
class NarrativeForm:
    """A filled-in narrative form, read into the ``DraftReport`` it describes."""

    year: int
    values: Values
    slots: int
    used: list[int] = field(default_factory=list)
    """The fieldsets that hold a section, in order: the command's section ``k`` is
    fieldset ``used[k]``."""

    def text(self, name: str) -> str:
        # Browsers send a text area's line breaks as CRLF; the report keeps LF.
        return _text(self.values, name).replace("\r\n", "\n").replace("\r", "\n")

    def command(self, request_id: str) -> DraftReport:
        """The command, or pydantic's ValidationError (``locate`` places each error)."""
        self.used = [
            index
            for index in range(self.slots)
            if self.text(slot(index, "remove")) != "yes"
            and any(self.text(slot(index, name)).strip() for name in SECTION_FIELDS)
        ]
        sections = [
            {name: self.text(slot(index, name)) for name in SECTION_FIELDS} for index in self.used
        ]
        return DraftReport.model_validate(
            {"year": self.year, "request_id": request_id, "narrative": sections}
        )

    def fields(self) -> set[str]:
        return {NARRATIVE} | {slot(i, name) for i in range(self.slots) for name in SECTION_FIELDS}

    def locate(self, loc: Loc) -> tuple[str | None, str]:
        """A section's field, or the narrative as a whole; nothing else is on the form."""
        if not loc or loc[0] != NARRATIVE:
            return None, ""
        if len(loc) < 3 or not isinstance(loc[1], int) or loc[1] >= len(self.used):
            return NARRATIVE, ""
        name = str(loc[2])
        return (slot(self.used[loc[1]], name), "") if name in SECTION_FIELDS else (NARRATIVE, "")


place: Place = leading_field((NARRATIVE,))
"""A refusal about the narrative (``narrative: 70,000 bytes as JSON...``) goes on it;
the rule's others (the step has not opened, the report is frozen) head the form."""
