"""analysis.report.charts: the comparison band read from the marker's shape, rows sorted by value."""

from __future__ import annotations

import pytest
from reportlab.graphics.shapes import Circle, Polygon, String

from analysis.report.charts import band_marker, comparison_chart
from analysis.report.model import ComparisonRow, Estimate
from analysis.report.styles import fonts


def _shapes(group):
    return list(group.contents)


@pytest.mark.parametrize(("band", "apex_above"), [("better", True), ("worse", False)])
def test_better_and_worse_are_triangles_pointing_up_and_down(band, apex_above):
    (triangle,) = _shapes(band_marker(band, 50.0, 20.0))
    assert isinstance(triangle, Polygon)
    ys = triangle.points[1::2]
    apex = ys[2]
    assert (apex > 20.0) is apex_above and ys[0] == ys[1]


def test_as_expected_is_a_filled_circle_and_no_comparison_an_open_one():
    (expected,) = _shapes(band_marker("as_expected", 0, 0))
    (none,) = _shapes(band_marker(None, 0, 0))
    assert isinstance(expected, Circle) and expected.fillColor is not None
    assert isinstance(none, Circle) and none.fillColor is None


def _strings(drawing) -> list[str]:
    found = []

    def walk(node):
        for child in getattr(node, "contents", []):
            if isinstance(child, String):
                found.append(child.text)
            walk(child)

    walk(drawing)
    return found


def test_rows_are_drawn_highest_first_with_their_intervals_and_the_national_line():
    rows = [
        ComparisonRow("01", "Stockholm", Estimate(61.0, 55.0, 67.0, respondents=80, band="as_expected")),
        ComparisonRow("14", "Västra Götaland", Estimate(83.0, 78.0, 88.0, respondents=90, band="better")),
        ComparisonRow("03", "Uppsala", Estimate(40.0, None, None, respondents=35, band="worse")),
    ]
    drawing = comparison_chart(rows, 65.0, font=fonts(), lang="sv", width=400)
    texts = _strings(drawing)
    labels = [text for text in texts if text in ("Stockholm", "Västra Götaland", "Uppsala")]
    assert labels == ["Västra Götaland", "Stockholm", "Uppsala"]
    assert "83 (78–88)" in texts and "40" in texts  # no interval, no brackets
    assert any(text.endswith(" 65") for text in texts)  # the national value's label
    shorter = comparison_chart(rows[:1], 65.0, font=fonts(), lang="sv", width=400)
    assert drawing.height > shorter.height
