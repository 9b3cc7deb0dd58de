"""The report's charts: the same counts draw the same bytes, each SVG says what it shows
(<title>, <desc>), and its figures come with it as a table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from matplotlib import rc_context, rcParams

from reports import charts
from reports.sections import layout
from tests.report.rendering import seeded

SVG = "{http://www.w3.org/2000/svg}"
STATUSES = ["planned", "ongoing", "completed", "stalled", "dropped"]
AREAS = [("Civic and social", {"ongoing": 3, "completed": 1}), ("Health", {"planned": 2})]


def steps() -> list[charts.TimelineStep]:
    return [
        charts.TimelineStep("Nominations", date(2018, 1, 15), date(2018, 2, 28),
                            date(2018, 3, 7), date(2018, 3, 5)),
        charts.TimelineStep("Annual meeting", date(2018, 6, 1), date(2018, 7, 8),
                            date(2018, 7, 8), None),
    ]  # fmt: skip


def test_the_same_counts_draw_the_same_bytes() -> None:
    first = charts.progress_by_focus_area(AREAS, STATUSES)
    # Another chart drawn in between, and the caller's own settings, change nothing.
    charts.timeline(steps())
    with rc_context({"font.size": 20, "svg.hashsalt": None}):
        again = charts.progress_by_focus_area(AREAS, STATUSES)
    assert again.svg == first.svg
    assert charts.timeline(steps()).svg == charts.timeline(steps()).svg
    assert rcParams["svg.hashsalt"] is None  # the charts leave the global settings alone


def test_other_counts_draw_other_bytes() -> None:
    changed = [("Civic and social", {"ongoing": 2, "completed": 2}), AREAS[1]]
    assert (
        charts.progress_by_focus_area(changed, STATUSES).svg
        != charts.progress_by_focus_area(AREAS, STATUSES).svg
    )


def test_each_svg_has_a_title_and_a_description_with_its_figures() -> None:
    chart = charts.on_time_by_member_state([("Malaysia", 1, 2), ("Thailand", 2, 2)])
    root = ET.fromstring(chart.svg)
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "On time, by member state"
    assert "Late: Malaysia." in root.findtext(f"{SVG}desc", "")
    assert chart.table.rows == (("Malaysia", "1", "2", "50%"), ("Thailand", "2", "2", "100%"))


def test_the_timeline_table_holds_the_dates_and_the_extension() -> None:
    chart = charts.timeline(steps())
    assert chart.table.rows == (
        ("Nominations", "15 Jan 2018", "28 Feb 2018", "7 Mar 2018", "5 Mar 2018"),
        ("Annual meeting", "1 Jun 2018", "8 Jul 2018", "", "open"),
    )
    assert "Extended: Nominations." in chart.description


def test_the_focus_area_table_adds_up_each_row() -> None:
    chart = charts.progress_by_focus_area(AREAS, STATUSES)
    assert chart.table.headers[-1] == "Projects"
    assert chart.table.rows[0] == ("Civic and social", "0", "3", "1", "0", "0", "4")
    assert "6 in all" in chart.description


def test_a_label_is_text_never_markup_or_tex() -> None:
    hostile = '<script>alert("x")</script> $\\frac{1}{0}$ & co'
    chart = charts.on_time_by_member_state([(hostile, 0, 1)])
    assert "<script" not in chart.svg
    root = ET.fromstring(chart.svg)  # still well-formed XML
    assert hostile in root.findtext(f"{SVG}desc", "")


def test_the_three_charts_of_a_report_share_no_id() -> None:
    drawn = list(layout(seeded()).charts.values())
    assert [chart.key for chart in drawn] == ["timeline", "on-time", "focus-areas"]
    ids = [i for chart in drawn for i in re.findall(r'id="([^"]+)"', chart.svg)]
    assert len(ids) == len(set(ids))
    for chart in drawn:
        for reference in re.findall(r'(?:href="|url\()#([^")]+)', chart.svg):
            assert reference.startswith(chart.key + "-"), reference


def test_charts_with_nothing_to_show_still_draw() -> None:
    for chart in (
        charts.timeline([]),
        charts.on_time_by_member_state([]),
        charts.progress_by_focus_area([], STATUSES),
    ):
        assert chart.table.rows == ()
        assert ET.fromstring(chart.svg).find(f"{SVG}title") is not None


def test_an_svg_carries_no_css_so_a_strict_policy_need_not_allow_inline_styles() -> None:
    for chart in layout(seeded()).charts.values():
        assert "style" not in chart.svg
        root = ET.fromstring(chart.svg)
        assert root.get("stroke-linejoin") == "round"  # matplotlib's own rule, handed down
        assert root.find(f".//{SVG}path[@fill]") is not None
