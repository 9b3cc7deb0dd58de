"""The one rule for free text (domain.text): one-line texts hold no control character,
line separator or bidirectional control; texts of several lines allow line feeds and
tabs besides. Each refusal names the first character refused, by position and code point."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from domain.commands import NominatedCity
from domain.events import NarrativeSection, Person
from domain.plans import ActionPlan
from domain.text import (
    BIDI_CONTROLS,
    ENTERING,
    MULTI_LINE_PATTERN,
    ONE_LINE_PATTERN,
    MultiLine,
    OneLine,
    TextRefused,
    as_entered,
    check_text,
    text_problem,
)

BIDI = sorted(BIDI_CONTROLS)
C0_C1 = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]


def refused(char: str, *, multi_line: bool) -> bool:
    if char in BIDI_CONTROLS:
        return True
    category = unicodedata.category(char)
    if category == "Cc":
        return not (multi_line and char in "\n\t")
    return category in ("Zl", "Zp") and not multi_line


def test_the_characters_it_is_about_are_the_trojan_source_ones() -> None:
    assert [f"{ord(c):04X}" for c in BIDI] == [
        "202A", "202B", "202C", "202D", "202E", "2066", "2067", "2068", "2069",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "multi_line", "says"),
    [
        ("w\x1b[31m\r\nX-Injected: 1", True, "character 2 is U+001B ESC, a control character"),
        ("a\x1b[2J\x07", False, "character 2 is U+001B ESC"),
        ("ok\x07", True, "character 3 is U+0007 BEL"),
        ("line one\r\nline two", True, "character 9 is U+000D CARRIAGE RETURN"),
        ("Bau\u202ecau", False, "character 4 is U+202E RIGHT-TO-LEFT OVERRIDE, a bidirectional"),
        ("Bau\u2066cau", True, "character 4 is U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("two\nlines", False, "character 4 is U+000A LINE FEED, a control character"),
        ("tab\there", False, "character 4 is U+0009 TAB"),
        ("para\u2029graph", False, "character 5 is U+2029 PARAGRAPH SEPARATOR, a line break"),
        ("c1\x85", True, "character 3 is U+0085"),
    ],
)
def test_a_refusal_names_the_character_and_where_it_is(
    text: str, multi_line: bool, says: str
) -> None:
    problem = text_problem(text, multi_line=multi_line)
    assert problem is not None
    assert problem.startswith(says)


@pytest.mark.parametrize(
    "text", ["Siem Reap", "Bangkok (กรุงเทพมหานคร)", "Hà Nội", "עברית and العربية", ""]
)
def test_ordinary_text_of_any_script_passes_on_one_line(text: str) -> None:
    assert text_problem(text) is None


def test_several_lines_keep_line_feeds_and_tabs() -> None:
    assert text_problem("Foreword\n\n\tIndented paragraph.\n", multi_line=True) is None


@given(st.text(), st.booleans())
def test_the_rule_refuses_exactly_the_first_character_it_names(text: str, multi_line: bool) -> None:
    problem = text_problem(text, multi_line=multi_line)
    bad = [i for i, c in enumerate(text) if refused(c, multi_line=multi_line)]
    if not bad:
        assert problem is None
        return
    first = bad[0]
    assert problem is not None
    assert problem.startswith(f"character {first + 1} is U+{ord(text[first]):04X}")


@given(
    st.text(max_size=20),
    st.sampled_from([*C0_C1, *BIDI]),
    st.text(max_size=20),
)
def test_any_control_or_bidi_character_is_refused_on_one_line(
    before: str, bad: str, after: str
) -> None:
    assert text_problem(before + bad + after) is not None


@given(st.text(), st.booleans())
def test_the_schemas_pattern_says_what_the_rule_does(text: str, multi_line: bool) -> None:
    """Clients (and the API's own conformance tests) read the rule from the pattern."""
    pattern = MULTI_LINE_PATTERN if multi_line else ONE_LINE_PATTERN
    assert (re.fullmatch(pattern, text) is not None) == (
        text_problem(text, multi_line=multi_line) is None
    )


def test_check_text_names_the_field() -> None:
    with pytest.raises(TextRefused) as raised:
        check_text("a\x1bb", "reason", multi_line=True)
    assert str(raised.value).startswith("reason: character 2 is U+001B ESC")


class Request(BaseModel):
    name: OneLine
    reason: MultiLine


def test_the_request_types_check_as_sent_and_name_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        Request(name="  Bau\u202ecau", reason="fine\n")
    (error,) = raised.value.errors()
    assert error["loc"] == ("name",)
    # Counted as sent: the two leading spaces are characters 1 and 2.
    assert "character 6 is U+202E" in error["msg"]
    with pytest.raises(ValidationError, match=r"reason\n.*character 1 is U\+0007 BEL"):
        Request(name="ok", reason="\x07")


def nominated(city: str, name: str = "CSCO") -> NominatedCity:
    return NominatedCity(city=city, csco=Person(name=name, email="c@example.org"))


def test_recorded_text_still_decodes_but_is_refused_when_entered() -> None:
    """What histories and the store hold decodes as before; only entering checks."""
    old = nominated("Bau\u202ecau", name="w\x1b[31m")
    assert old.city == "Bau\u202ecau"
    with pytest.raises(TextRefused) as raised:
        as_entered(old)
    assert raised.value.problems == [
        "city: character 4 is U+202E RIGHT-TO-LEFT OVERRIDE, a bidirectional control, which "
        "makes text read otherwise than it is; a one-line text may hold none",
        "csco.name: character 2 is U+001B ESC, a control character; a one-line text may hold none",
    ]
    section = NarrativeSection(heading="Foreword", text="a\x1b[2J\x07")
    with pytest.raises(TextRefused, match=r"^text: character 2 is U\+001B ESC"):
        as_entered(section)
    assert as_entered(nominated("Kuala Lumpur")) == nominated("Kuala Lumpur")


def test_a_plan_title_is_held_to_the_rule_when_entered() -> None:
    plan = {
        "city_id": "KH-siem-reap", "period_start": 2018, "period_end": 2025,
        "projects": [{"project_id": "p", "title": "Smart \u202elights",
                      "focus_areas": ["built_infrastructure"]}],
    }  # fmt: skip
    assert ActionPlan.model_validate(plan).projects[0].title == "Smart \u202elights"
    with pytest.raises(ValidationError, match=r"projects\.0\.title"):
        ActionPlan.model_validate(plan, context=ENTERING)
