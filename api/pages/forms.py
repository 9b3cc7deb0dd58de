"""How a page's form answers: the values to draw it again with, the problems placed on
their fields, and what a command recorded.

A problem names the form field it belongs to (the field's name is also its element id,
so the summary at the top of the form links to it) or none, for the form as a whole.
Problems come from pydantic (a field that does not fit), from the page's own reading
of a field (a line of a list that is not a date), and from the services and the cycle
(a rule's refusal). A refusal's message names its field first (``body: ...``,
``period_end (2017) is before ...``) and is placed there; others stay at the top.
Nothing is recorded when a form has a problem.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from starlette.datastructures import FormData

from domain.errors import DomainError, NotAuthorised
from services.errors import CycleNotFound, CycleUnavailable, Refused

T = TypeVar("T")
Loc = tuple[int | str, ...]
Values = dict[str, str | list[str]]
"""A form's values as sent: one string per field, a list for a field of checkboxes."""


@dataclass(frozen=True)
class Problem:
    field: str | None
    """The form field (its name and element id); None: the form as a whole."""
    message: str

    @property
    def label(self) -> str:
        """The field in words: ``project 2, title`` for ``projects-1-title`` (a
        narrative's ``sections-0-text``: ``section 1, text``)."""
        if self.field is None:
            return ""
        slot = re.fullmatch(r"(project|section)s-(\d+)-(\w+)", self.field)
        if slot:
            what, number, name = slot.group(1), int(slot.group(2)) + 1, slot.group(3)
            return f"{what} {number}, {name.replace('_', ' ')}"
        # One of several forms alike on a page (``c3-reason``): the field is ``reason``.
        return re.sub(r"^[a-z]\d+-", "", self.field).replace("_", " ")

    @property
    def summary(self) -> str:
        """The line of the form's summary: the message, naming its field."""
        if self.field is None or self.message.startswith((self.field, self.label)):
            return self.message
        return f"{self.label}: {self.message}"


class FormProblems(Exception):
    """What the page itself found wrong in a form, before any command was made."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


Locate = Callable[[Loc], tuple[str | None, str]]
"""Where a pydantic error's location is in the form: the field, and a prefix for its
message (``line 2: ``) when the field holds a list."""
Place = Callable[[str], "str | None"]
"""The field a refusal's message is about, if it names one."""

_MESSAGES = {"missing": "required", "string_too_short": "must not be empty"}
_SLUG = "^[a-z0-9][a-z0-9._-]"


def _message(item: Mapping[str, Any]) -> str:
    kind = str(item.get("type", ""))
    if kind == "string_pattern_mismatch":
        pattern = str((item.get("ctx") or {}).get("pattern", ""))
        if pattern.startswith(_SLUG):
            return (
                "use lower-case letters, digits, '.', '_' and '-' (at most 64), beginning "
                "with a letter or a digit"
            )
        if pattern.startswith("^[^"):
            return "holds characters it may not (a line break or another control character)"
    return _MESSAGES.get(kind, str(item["msg"]).removeprefix("Value error, "))


def by_name(numbers: Mapping[str, Sequence[int]] | None = None) -> Locate:
    """Where an error is in a form whose fields are the model's own: ``links.2`` is the
    third item of the text area ``links``, on the line ``numbers["links"][2]`` (blank
    lines are skipped); a model-wide error belongs to the form, unless its message
    names a field."""

    def locate(loc: Loc) -> tuple[str | None, str]:
        if not loc:
            return None, ""
        field = str(loc[0])
        item = next((part for part in loc[1:] if isinstance(part, int)), None)
        if item is None:
            return field, ""
        known = (numbers or {}).get(field, ())
        line = known[item] if item < len(known) else item + 1
        return field, f"line {line}: "

    return locate


def problems_of(errors: Iterable[Mapping[str, Any]], locate: Locate, place: Place) -> list[Problem]:
    """pydantic's errors (``ValidationError.errors()``), each on its field."""
    found = []
    for item in errors:
        field, prefix = locate(tuple(item["loc"]))
        message = _message(item)
        found.append(Problem(field or place(message), prefix + message))
    return found


def leading_field(fields: Collection[str], also: Mapping[str, str] | None = None) -> Place:
    """A message that begins with a field's name belongs to it (``decided_on: ...``,
    ``ends (2018-01-01) is before starts``); ``also`` maps other words that begin a
    message (``the new deadline``) to a field."""
    words = {name.replace("_", " "): name for name in fields}
    words.update({name: name for name in fields})
    words.update(also or {})
    pattern = re.compile(
        r"^(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b"
    )

    def place(message: str) -> str | None:
        match = pattern.match(message) if words else None
        return None if match is None else words[match.group(1)]

    return place


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """A form's command: what it recorded, or its problems and the status to answer."""

    outcome: T | None
    problems: list[Problem]
    status: int


async def attempt(
    run: Callable[[], Awaitable[T]], *, locate: Locate | None = None, place: Place | None = None
) -> Attempt[T]:
    """Run a form's command; a refusal becomes problems placed on their fields."""
    locate = locate or by_name()
    place = place or (lambda _: None)
    try:
        return Attempt(await run(), [], 200)
    except FormProblems as error:
        return Attempt(None, error.problems, 422)
    except ValidationError as error:
        return Attempt(None, problems_of(error.errors(), locate, place), 422)
    except NotAuthorised as error:
        return Attempt(None, [Problem(None, str(error))], 403)
    except (Refused, DomainError) as error:
        message = str(error)
        return Attempt(None, [Problem(place(message), message)], 409)
    except CycleNotFound as error:
        return Attempt(None, [Problem(None, str(error))], 404)
    except CycleUnavailable as error:
        return Attempt(None, [Problem(None, f"{error}; nothing was done, try again")], 503)


def values_of(form: FormData, multi: Collection[str] = ()) -> Values:
    """What was sent, to draw the form again as the person left it."""
    values: Values = {}
    for key in form:
        if key in ("csrf_token", "idempotency_key"):
            continue
        if key in multi or any(key.endswith(f"-{name}") for name in multi):
            values[key] = [str(v) for v in form.getlist(key)]
        else:
            values[key] = str(form.get(key) or "")
    return values


def text(values: Mapping[str, str | list[str]], name: str) -> str:
    value = values.get(name, "")
    return value if isinstance(value, str) else ""


def lines(value: str) -> list[tuple[int, str]]:
    """The non-blank lines of a text area, each with its number (from 1)."""
    return [(n, line.strip()) for n, line in enumerate(value.splitlines(), 1) if line.strip()]
