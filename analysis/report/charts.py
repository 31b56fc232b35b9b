"""Dot-and-whisker comparison charts drawn with reportlab's own graphics.

One row per region or pathway, sorted from highest to lowest, the point
estimate as a marker whose *shape* carries the comparison band (triangle up:
better than national; triangle down: worse; circle: as expected), the 95 %
interval as a whisker, and the national value as a dashed line (or, when each
row has its own national value, a tick on the row). Behind each compared unit
its funnel limits (:mod:`analysis.comparison`): a pale bar for the 99.8 %
expected range around the rest of the country, a darker inner bar for the
95 % range; a marker outside the pale bar is what the band flags. Only black
and greys, so the chart survives printing in black and white.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from analysis.report.labels import label, score
from analysis.report.model import ComparisonRow
from analysis.report.styles import GREY, Fonts

__all__ = ["band_legend", "band_marker", "comparison_chart", "limits_legend", "rotated_header"]

_ROW = 10.5
_FONT_SIZE = 7.5
_AXIS_SPACE = 22.0
_TOP_SPACE = 14.0


def band_marker(band: str | None, x: float, y: float, size: float = 3.6) -> Group:
    """The marker for one comparison band: shape first, tone second."""
    group = Group()
    if band == "better":
        group.add(
            Polygon(
                [x - size, y - size * 0.8, x + size, y - size * 0.8, x, y + size * 1.1],
                fillColor=GREY["ink"],
                strokeColor=GREY["ink"],
                strokeWidth=0.5,
            )
        )
    elif band == "worse":
        group.add(
            Polygon(
                [x - size, y + size * 0.8, x + size, y + size * 0.8, x, y - size * 1.1],
                fillColor=GREY["ink"],
                strokeColor=GREY["ink"],
                strokeWidth=0.5,
            )
        )
    elif band == "as_expected":
        group.add(Circle(x, y, size * 0.85, fillColor=GREY["mid"], strokeColor=GREY["ink"], strokeWidth=0.6))
    else:
        group.add(Circle(x, y, size * 0.85, fillColor=None, strokeColor=GREY["ink"], strokeWidth=0.8))
    return group


def band_legend(font: Fonts, lang: str, width: float) -> Drawing:
    """One line explaining the three markers (and the open circle for no comparison)."""
    drawing = Drawing(width, 12)
    x = 4.0
    for band in ("better", "as_expected", "worse", None):
        drawing.add(band_marker(band, x, 5))
        text = label(f"band.{band or 'none'}", lang)
        drawing.add(String(x + 7, 2.4, text, fontName=font.regular, fontSize=_FONT_SIZE, fillColor=GREY["ink"]))
        x += 7 + stringWidth(text, font.regular, _FONT_SIZE) + 14
    return drawing


def _limit_bars(x: float, y: float, width: float, outer: bool) -> Rect:
    """One funnel range as a bar: the 99.8 % range pale and taller, the 95 % range darker inside it."""
    height = 7.0 if outer else 4.6
    return Rect(
        x,
        y - height / 2,
        width,
        height,
        fillColor=GREY["faint"] if outer else GREY["light"],
        strokeColor=GREY["light"] if outer else None,
        strokeWidth=0.4,
    )


def limits_legend(font: Fonts, lang: str, width: float) -> Drawing:
    """One line explaining the two funnel bars drawn behind each compared unit."""
    drawing = Drawing(width, 12)
    x = 4.0
    for outer, key in ((False, "limits.95"), (True, "limits.998")):
        drawing.add(_limit_bars(x - 3, 5, 14, outer))
        text = label(key, lang)
        drawing.add(String(x + 15, 2.4, text, fontName=font.regular, fontSize=_FONT_SIZE, fillColor=GREY["ink"]))
        x += 15 + stringWidth(text, font.regular, _FONT_SIZE) + 14
    return drawing


def _axis_range(rows: Sequence[ComparisonRow], references: Sequence[float]) -> tuple[float, float]:
    """Whole tens around every interval, funnel limit and reference, at least 30 points wide, within 0–100."""
    values = [v for r in rows for v in (r.estimate.ci_low, r.estimate.value, r.estimate.ci_high) if v is not None]
    values += [v for r in rows for v in (r.limits or ())]
    values += list(references)
    low = max(0.0, math.floor(min(values) / 10) * 10)
    high = min(100.0, math.ceil(max(values) / 10) * 10)
    while high - low < 30:
        low, high = max(0.0, low - 10), min(100.0, high + 10)
    return low, high


def _fit(text: str, font: str, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` points."""
    if stringWidth(text, font, _FONT_SIZE) <= width:
        return text
    while text and stringWidth(text + "…", font, _FONT_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def comparison_chart(
    rows: Sequence[ComparisonRow],
    national: float | None,
    *,
    font: Fonts,
    lang: str,
    width: float,
) -> Drawing:
    """A chart of the shown ``rows`` sorted by value, with whiskers and the national value.

    Parameters
    ----------
    rows
        The units to draw; suppressed ones must already be left out (the
        caller lists them with the reason under the chart).
    national
        The national value drawn as one dashed line; ``None`` when each row
        carries its own ``reference`` (a region compared across pathways).
    font, lang, width
        Fonts, report language and the drawing's width in points.
    """
    ordered = sorted(rows, key=lambda r: (-(r.estimate.value or 0.0), r.label))
    references = [national] if national is not None else [r.reference for r in ordered if r.reference is not None]
    low, high = _axis_range(ordered, references) if ordered else (0.0, 100.0)
    label_width = min(
        max((stringWidth(r.label, font.regular, _FONT_SIZE) for r in ordered), default=40) + 8, width * 0.38
    )
    value_width = stringWidth("100 (100–100)", font.regular, _FONT_SIZE) + 8
    x0, x1 = label_width, width - value_width
    height = _TOP_SPACE + _ROW * len(ordered) + _AXIS_SPACE
    drawing = Drawing(width, height)

    def x_of(value: float) -> float:
        x: float = x0 + (value - low) / (high - low) * (x1 - x0)
        return x

    plot_top, plot_bottom = height - _TOP_SPACE, _AXIS_SPACE
    for tick in range(int(low), int(high) + 1, 10):
        x = x_of(tick)
        drawing.add(Line(x, plot_bottom, x, plot_top, strokeColor=GREY["light"], strokeWidth=0.5))
        drawing.add(
            String(
                x,
                plot_bottom - 10,
                str(tick),
                fontName=font.regular,
                fontSize=_FONT_SIZE,
                textAnchor="middle",
                fillColor=GREY["dark"],
            )
        )
    drawing.add(Line(x0, plot_bottom, x1, plot_bottom, strokeColor=GREY["ink"], strokeWidth=0.6))
    # The funnel bars first: the national line, whiskers and markers are drawn over them.
    for index, row in enumerate(ordered):
        if row.limits is not None:
            y = plot_top - _ROW * (index + 0.5)
            outer_low, inner_low, inner_high, outer_high = (x_of(limit) for limit in row.limits)
            drawing.add(_limit_bars(outer_low, y, outer_high - outer_low, True))
            drawing.add(_limit_bars(inner_low, y, inner_high - inner_low, False))
    if national is not None:
        x = x_of(national)
        drawing.add(
            Line(x, plot_bottom, x, plot_top + 4, strokeColor=GREY["ink"], strokeWidth=1, strokeDashArray=[3, 2])
        )
        drawing.add(
            String(
                x,
                plot_top + 6,
                f"{label('summary.national', lang)} {score(national, lang)}",
                fontName=font.bold,
                fontSize=_FONT_SIZE,
                textAnchor="middle",
            )
        )
    for index, row in enumerate(ordered):
        y = plot_top - _ROW * (index + 0.5)
        estimate = row.estimate
        drawing.add(
            String(
                0, y - 2.6, _fit(row.label, font.regular, label_width - 6), fontName=font.regular, fontSize=_FONT_SIZE
            )
        )
        if estimate.ci_low is not None and estimate.ci_high is not None:
            drawing.add(
                Line(x_of(estimate.ci_low), y, x_of(estimate.ci_high), y, strokeColor=GREY["dark"], strokeWidth=1)
            )
            for end in (estimate.ci_low, estimate.ci_high):
                drawing.add(Line(x_of(end), y - 2.5, x_of(end), y + 2.5, strokeColor=GREY["dark"], strokeWidth=0.8))
        if national is None and row.reference is not None:
            x = x_of(row.reference)
            drawing.add(Line(x, y - 5, x, y + 5, strokeColor=GREY["ink"], strokeWidth=1.4, strokeDashArray=[1.5, 1]))
        drawing.add(band_marker(estimate.band, x_of(estimate.value or 0.0), y))
        interval = (
            f" ({score(estimate.ci_low, lang)}–{score(estimate.ci_high, lang)})"
            if estimate.ci_low is not None and estimate.ci_high is not None
            else ""
        )
        drawing.add(
            String(
                width,
                y - 2.6,
                f"{score(estimate.value, lang)}{interval}",
                fontName=font.regular,
                fontSize=_FONT_SIZE,
                textAnchor="end",
            )
        )
    return drawing


def rotated_header(text: str, font: Fonts, width: float, height: float = 62.0) -> Drawing:
    """A column header set vertically, in up to two lines, for tables with many narrow columns."""
    words = text.split()
    lines = [text]
    if len(words) > 1 and stringWidth(text, font.bold, _FONT_SIZE) > height - 4:
        best = min(
            range(1, len(words)),
            key=lambda cut: max(
                stringWidth(" ".join(words[:cut]), font.bold, _FONT_SIZE),
                stringWidth(" ".join(words[cut:]), font.bold, _FONT_SIZE),
            ),
        )
        lines = [" ".join(words[:best]), " ".join(words[best:])]
    drawing = Drawing(width, height)
    for index, line in enumerate(lines):
        column = Group(String(0, 0, line, fontName=font.bold, fontSize=_FONT_SIZE))
        centre = width / 2 + (index - (len(lines) - 1) / 2) * (_FONT_SIZE + 1.5) + _FONT_SIZE * 0.35
        column.transform = (0, 1, -1, 0, centre, 2)
        drawing.add(column)
    return drawing
