"""A daily bar chart drawn on the server as SVG: no JavaScript, black on white, numbers in a table beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Bar", "DailyChart", "daily_chart"]

WIDTH, HEIGHT = 640, 240
_LEFT, _BOTTOM, _TOP = 40, 28, 12


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DailyChart:
    """The bars of every day from ``first`` to ``last`` (days without completions too) and the axis top."""

    bars: list[Bar]
    maximum: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = _LEFT
    bottom: float = HEIGHT - _BOTTOM

    @property
    def first(self) -> date:
        return self.bars[0].day

    @property
    def last(self) -> date:
        return self.bars[-1].day


def daily_chart(counts: list[tuple[date, int]], first: date, last: date) -> DailyChart | None:
    """Bars for each day of ``first``..``last``; ``None`` when nothing was completed in it."""
    by_day = dict(counts)
    if last < first or not any(first <= day <= last for day in by_day):
        return None
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    maximum = max(by_day.get(day, 0) for day in days)
    plot_width, plot_height = WIDTH - _LEFT - 8, HEIGHT - _BOTTOM - _TOP
    step = plot_width / len(days)
    bars = []
    for index, day in enumerate(days):
        count = by_day.get(day, 0)
        height = plot_height * count / maximum
        bars.append(
            Bar(day, count, _LEFT + index * step + step * 0.1, HEIGHT - _BOTTOM - height, max(step * 0.8, 1), height)
        )
    return DailyChart(bars, maximum)
