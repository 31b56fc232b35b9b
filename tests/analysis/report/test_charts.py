"""analysis.report.charts: the comparison band read from the marker's shape, rows sorted by value."""

from __future__ import annotations

import dataclasses

import pytest
from reportlab.graphics.shapes import Circle, Group, Polygon, Rect, String

from analysis.report.charts import band_marker, comparison_chart, limits_legend
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


def _rects(drawing) -> list[Rect]:
    return [child for child in drawing.contents if isinstance(child, Rect)]


def test_funnel_limits_are_bars_behind_the_marker_and_widen_the_axis():
    limits = (30.0, 45.0, 75.0, 91.0)  # 99.8 % lower, 95 % lower, 95 % upper, 99.8 % upper
    row = ComparisonRow("01", "Stockholm", Estimate(61.0, 55.0, 67.0, band="as_expected"), limits=limits)
    drawing = comparison_chart([row], 60.0, font=fonts(), lang="sv", width=400)
    outer, inner = _rects(drawing)
    assert outer.width > inner.width > 0 and outer.x < inner.x and outer.height > inner.height
    # The pale 99.8 % bar from 30 to 91 on an axis widened to hold it (30 to 100: whole tens).
    texts = _strings(drawing)
    assert "30" in texts and "100" in texts
    position = {text: child.x for child in drawing.contents if isinstance(child, String) for text in [child.text]}
    span = (position["100"] - position["30"]) / 70
    assert outer.width == pytest.approx(61 * span) and inner.width == pytest.approx(30 * span)
    # Drawn before the marker: the marker is on top.
    order = list(drawing.contents)
    assert order.index(outer) < order.index(next(child for child in order if isinstance(child, Group)))
    assert (
        _rects(comparison_chart([dataclasses.replace(row, limits=None)], 60.0, font=fonts(), lang="sv", width=400))
        == []
    )


def test_the_limits_legend_names_both_levels():
    texts = _strings(limits_legend(fonts(), "en", 400))
    assert texts == ["expected range 95 %", "expected range 99.8 % (the marker)"]
