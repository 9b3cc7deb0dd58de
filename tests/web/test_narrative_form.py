"""The narrative's form read into ASEC's draft: whatever a person types, the page answers
with the command or with problems on the form's own fields (or the narrative as a
whole), never an error of its own; and a draft's narrative drawn into the form reads
back as the same narrative."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.pages.forms import problems_of
from api.pages.narrative_form import NarrativeForm, place, slot, slots_of, values_of_narrative
from domain.events import NarrativeSection
from domain.events.chain import MAX_NARRATIVE_SECTIONS
from services.commands import DraftReport

ODD = ["", "   ", "Foreword", "line\r\nbreak", "old\rmac", "tab\there", "nul\x00", "x" * 201]
texts = st.one_of(st.text(max_size=40), st.sampled_from(ODD))


@st.composite
def filled_forms(draw: st.DrawFn) -> tuple[dict[str, str | list[str]], int]:
    slots = draw(st.integers(1, MAX_NARRATIVE_SECTIONS + 1))
    values: dict[str, str | list[str]] = {"slots": str(slots)}
    for index in range(slots):
        values[slot(index, "heading")] = draw(texts)
        values[slot(index, "text")] = draw(texts)
        if draw(st.integers(0, 5)) == 0:
            values[slot(index, "remove")] = "yes"
    return values, slots


@settings(max_examples=300, deadline=None)
@given(filled_forms())
def test_any_form_reads_as_a_draft_or_as_problems_on_its_own_fields(
    form: tuple[dict[str, str | list[str]], int],
) -> None:
    values, slots = form
    assert slots_of(values) == slots
    reader = NarrativeForm(2027, values, slots)
    try:
        command: DraftReport | None = reader.command("key-1")
    except ValidationError as refused:
        command = None
        problems = problems_of(refused.errors(), reader.locate, place)
        assert problems
        assert all(p.field is None or p.field in reader.fields() for p in problems), problems
        assert all(p.message for p in problems)
    if command is not None:
        assert len(command.narrative) == len(reader.used)
        assert all("\r" not in s.text and s.heading for s in command.narrative)


def test_a_narrative_drawn_into_the_form_reads_back_as_the_same_narrative() -> None:
    narrative = (
        NarrativeSection(heading="Foreword", text="The year in brief.\n\nA second paragraph."),
        NarrativeSection(heading="Progress", text="IMD assessed every project."),
    )
    values, slots = values_of_narrative(narrative)
    assert slots == 3  # the two sections and a blank one for a new section
    assert NarrativeForm(2027, values, slots).command("key-1").narrative == narrative
    values[slot(0, "remove")] = "yes"  # "leave it out"
    assert NarrativeForm(2027, values, slots).command("key-1").narrative == narrative[1:]


def test_a_refusal_of_the_whole_narrative_is_placed_on_it() -> None:
    assert place("narrative: 70,000 bytes as JSON; at most 65,536 in all") == "narrative"
    assert place("report_draft has not opened yet: it opens at 2027-07-01") is None
