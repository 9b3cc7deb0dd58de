"""Free text as people enter it: the one rule for the characters it may hold.

A one-line text (a name, a title, an id) holds no control character (C0, DEL or C1: an
ESC can repaint a terminal, a CR/LF forge a header or a log line), no line or paragraph
separator, and no bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069),
which make a text read otherwise than it is stored. A multi-line text (a reason, a
narrative, evidence) may hold line feeds and tabs, nothing else of those.

Two ways to apply it:

- ``OneLine`` / ``MultiLine``: checked whenever the model is validated. For the models
  of commands and requests, which are never read back from a history or the store.
- ``EnteredOneLine`` / ``EnteredMultiLine``: checked only when validated with the
  ``ENTERING`` context (``as_entered``). For models that histories and stored facts are
  decoded into as well: what was recorded before this rule must still decode and
  replay, while what is entered now is held to it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from domain.errors import DomainError

# The rule, as character classes (Python's and JSON Schema's regular expressions read
# them alike): Cc is U+0000-U+001F and U+007F-U+009F.
_BIDI = r"\u202a-\u202e\u2066-\u2069"
_ONE_LINE_REFUSED = r"\x00-\x1f\x7f-\x9f\u2028\u2029" + _BIDI
_MULTI_LINE_REFUSED = r"\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI
ONE_LINE_PATTERN: Final = f"^[^{_ONE_LINE_REFUSED}]*$"
"""What a one-line text matches, as its JSON Schema says (``pattern``)."""
MULTI_LINE_PATTERN: Final = f"^[^{_MULTI_LINE_REFUSED}]*$"
_REFUSED = {
    False: re.compile(f"[{_ONE_LINE_REFUSED}]"),
    True: re.compile(f"[{_MULTI_LINE_REFUSED}]"),
}

BIDI_CONTROLS: Final = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
"""Embeddings, overrides and isolates (the "Trojan Source" characters)."""
_NAMES: Final = {
    "\x00": "NUL", "\x07": "BEL", "\x08": "BACKSPACE", "\t": "TAB", "\n": "LINE FEED",
    "\x0b": "VERTICAL TAB", "\x0c": "FORM FEED", "\r": "CARRIAGE RETURN", "\x1b": "ESC",
    "\x7f": "DEL",
}  # fmt: skip
ENTERING: Final = {"entering": True}
"""The validation context of a command as it enters (``as_entered``)."""

M = TypeVar("M", bound=BaseModel)


class TextRefused(DomainError):
    """Entered text holds a character the rule refuses; ``problems`` names each field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _describe(char: str) -> str:
    point = f"U+{ord(char):04X}"
    name = _NAMES.get(char) or unicodedata.name(char, "")
    return f"{point} {name}" if name else point


def text_problem(text: str, *, multi_line: bool = False) -> str | None:
    """What is wrong with ``text`` under the rule (the first character it refuses, by its
    1-based position and code point), or None if nothing is."""
    found = _REFUSED[multi_line].search(text)
    if found is None:
        return None
    char = found.group()
    if char in BIDI_CONTROLS:
        kind = "a bidirectional control, which makes text read otherwise than it is"
    elif unicodedata.category(char) == "Cc":
        kind = "a control character"
    else:
        kind = "a line break"
    allowed = (
        "a text of several lines may hold line feeds and tabs, no other"
        if multi_line
        else "a one-line text may hold none"
    )
    return f"character {found.start() + 1} is {_describe(char)}, {kind}; {allowed}"


def check_text(text: str, field: str, *, multi_line: bool = False) -> None:
    """Raise ``TextRefused`` naming ``field`` if the rule refuses ``text``."""
    problem = text_problem(text, multi_line=multi_line)
    if problem is not None:
        raise TextRefused([f"{field}: {problem}"])


def _checked(value: Any, multi_line: bool) -> Any:
    if isinstance(value, str):
        problem = text_problem(value, multi_line=multi_line)
        if problem is not None:
            raise ValueError(problem)
    return value


def _entering(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and info.context.get("entering") is True


def _entered_one_line(value: str, info: ValidationInfo) -> str:
    return _checked(value, multi_line=False) if _entering(info) else value


def _entered_multi_line(value: str, info: ValidationInfo) -> str:
    return _checked(value, multi_line=True) if _entering(info) else value


@dataclass(frozen=True)
class FreeText:
    """A field's marker (``Annotated[str, FreeText()]``): the rule checks the text as
    sent, before any stripping, so that a position counts its characters; its JSON
    Schema carries the rule as a ``pattern``."""

    multi_line: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = MULTI_LINE_PATTERN if self.multi_line else ONE_LINE_PATTERN
        return json_schema

    def _check(self, value: Any) -> Any:
        return _checked(value, self.multi_line)


ONE_LINE_TEXT: Final = FreeText()
MULTI_LINE_TEXT: Final = FreeText(multi_line=True)
ENTERED_ONE_LINE: Final = AfterValidator(_entered_one_line)
ENTERED_MULTI_LINE: Final = AfterValidator(_entered_multi_line)

OneLine = Annotated[str, ONE_LINE_TEXT]
MultiLine = Annotated[str, MULTI_LINE_TEXT]


def as_entered(model: M) -> M:
    """``model`` validated again as entered text: the ``Entered*`` fields are held to the
    rule. Raises ``TextRefused`` naming each field (``cities.0.csco.name: ...``)."""
    try:
        return type(model).model_validate(model.model_dump(), context=ENTERING)
    except ValidationError as error:
        # The model was valid before: the rule's refusals are the cause, and what else
        # failed followed from them (a list left short by the item refused).
        found = error.errors()
        ours = [item for item in found if item["type"] == "value_error"] or found
        raise TextRefused(
            [f"{_where(item['loc'])}: {_message(item['msg'])}" for item in ours]
        ) from None


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(map(str, loc))


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")
