"""Chart geometry for the HTML report: Python computes the coordinates, the template draws them as inline SVG."""

import math
from dataclasses import dataclass
from datetime import datetime

WIDTH = 420
ROW = 28  # height of one bar's row
LEFT = 90  # room for a bar's label
RIGHT = 110  # room for the value after the bar
TREND_HEIGHT = 230
TREND_MARGIN = (16, 20, 36, 48)  # top, right, bottom, left
X_LABELS = 6  # at most this many dates under the trend


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value, written after the bar
    css: str  # the class that colours it
    y: float
    length: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int = WIDTH
    left: int = LEFT
    row: int = ROW

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * self.row + 8


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str  # the value, in the point's tooltip
    date: str  # shown under the axis when ``labelled``
    labelled: bool


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    ticks: list[tuple[float, str]]  # (y, "50%")
    width: int = WIDTH
    height: int = TREND_HEIGHT
    left: int = TREND_MARGIN[3]
    right: int = WIDTH - TREND_MARGIN[1]
    bottom: int = TREND_HEIGHT - TREND_MARGIN[2]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def bar_chart(items: list[tuple[str, float, str, str]], scale: float) -> BarChart:
    """Horizontal bars of (label, value, text, css), ``scale`` being the value of a full-length bar.

    >>> [b.length for b in bar_chart([("县级", 0.5, "50%", "rate"), ("村级", 0.0, "0%", "rate")], 1.0).bars]
    [110.0, 0.0]
    """
    room = WIDTH - LEFT - RIGHT
    return BarChart([
        Bar(label, text, css, i * ROW, room * value / scale if scale else 0.0)
        for i, (label, value, text, css) in enumerate(items)
    ])  # fmt: skip


def line_chart(series: list[tuple[datetime, float, str, str]]) -> LineChart:
    """A rate (0..1) over time from (moment, rate, text, date label), placed by time so that gaps show."""
    top, right, bottom, left = TREND_MARGIN
    span_x, span_y = WIDTH - right - left, TREND_HEIGHT - bottom - top
    first, last = (series[0][0], series[-1][0]) if series else (None, None)
    total = (last - first).total_seconds() if first and last else 0.0
    every = max(1, math.ceil(len(series) / X_LABELS))
    points = [
        Point(
            left + (span_x * (moment - first).total_seconds() / total if first and total else span_x / 2),
            top + span_y * (1 - rate),
            text,
            date,
            (len(series) - 1 - i) % every == 0,  # counted from the newest, which is always labelled
        )
        for i, (moment, rate, text, date) in enumerate(series)
    ]
    ticks = [(top + span_y * (1 - share), f"{share:.0%}") for share in (0, 0.25, 0.5, 0.75, 1)]
    return LineChart(points, ticks)
