"""Bar and line charts rendered on the server as SVG: no JavaScript, nothing the CSP blocks.

Colours and sizes are SVG presentation attributes (``fill``, ``stroke``, ``font-size``), never
``style`` attributes. Each chart is an ``<svg role="img">`` named by its ``<title>`` and described
by its ``<desc>``; every bar and point carries its own ``<title>`` with its value, and pages show
the same figures in a table under the chart for anyone who cannot see it.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

# Colour-blind-safe and at least 3:1 against white (WCAG 2.1 non-text contrast).
PALETTE = ("#1f5fa8", "#c0392b", "#1e7d4f", "#8e44ad", "#b9770e")
AXIS = "#4a4a4a"
GRID = "#d9d9d9"
FONT = "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | float]


@dataclass
class Chart:
    """What a page needs: the SVG and the same figures as table rows."""

    chart_id: str
    title: str
    description: str
    categories: list[str]
    series: list[Series]
    x_label: str
    y_label: str
    fmt: Callable[[int | float], str] = str
    svg: SafeString = field(default=SafeString(""))

    @property
    def table_rows(self) -> list[tuple[str, list[str]]]:
        return [(c, [self.fmt(s.values[i]) for s in self.series]) for i, c in enumerate(self.categories)]

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(not v for s in self.series for v in s.values)


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """0 and round steps up to at least ``maximum`` (1, 2, 2.5 or 5 times a power of ten)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step >= 1:
        step = int(step)
    ticks = [0]
    while ticks[-1] < maximum:
        ticks.append(ticks[-1] + step)
    return ticks


def _attrs(**attrs) -> str:
    return " ".join(f"{k.rstrip('_').replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())


def _text(x, y, content, *, anchor="middle", size=12, fill=AXIS, extra="") -> str:
    return (
        f"<text {_attrs(x=_n(x), y=_n(y), text_anchor=anchor, font_size=size, fill=fill, font_family=FONT)}"
        f"{extra}>{escape(str(content))}</text>"
    )


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Frame:
    """The plot area and the scale shared by both kinds of chart."""

    left, right, top, bottom = 84, 16, 40, 72

    def __init__(self, chart: Chart, width: int, height: int):
        self.chart = chart
        self.width, self.height = width, height
        self.plot_w = width - self.left - self.right
        self.plot_h = height - self.top - self.bottom
        peak = max((v for s in chart.series for v in s.values), default=0)
        self.ticks = nice_ticks(peak)

    def y(self, value: float) -> float:
        return self.top + self.plot_h - (value / self.ticks[-1]) * self.plot_h

    def open(self) -> list[str]:
        c = self.chart
        title_id, desc_id = f"{c.chart_id}-title", f"{c.chart_id}-desc"
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" '
            f"{_attrs(id=c.chart_id, class_='chart', viewBox=f'0 0 {self.width} {self.height}', role='img')} "
            f"{_attrs(aria_labelledby=f'{title_id} {desc_id}', preserveAspectRatio='xMidYMid meet')}>",
            f"<title id={quoteattr(title_id)}>{escape(c.title)}</title>",
            f"<desc id={quoteattr(desc_id)}>{escape(c.description)}</desc>",
        ]
        for tick in self.ticks:
            y = self.y(tick)
            parts.append(
                f"<line {_attrs(x1=self.left, x2=self.left + self.plot_w, y1=_n(y), y2=_n(y), stroke=GRID)}/>"
            )
            parts.append(_text(self.left - 6, y + 4, c.fmt(tick), anchor="end", size=11))
        base = self.y(0)
        parts.append(
            f"<line {_attrs(x1=self.left, x2=self.left + self.plot_w, y1=_n(base), y2=_n(base), stroke=AXIS)}/>"
        )
        parts.append(f"<line {_attrs(x1=self.left, x2=self.left, y1=self.top, y2=_n(base), stroke=AXIS)}/>")
        # Axis titles: the y title sits above the axis rather than rotated, easier to read in Chinese.
        parts.append(
            _text(self.left, self.top - 14, c.y_label, anchor="start", size=12, extra=' class="axis-label"')
        )
        parts.append(
            _text(
                self.left + self.plot_w / 2, self.height - 8, c.x_label, size=12, extra=' class="axis-label"'
            )
        )
        return parts

    def category_label(self, x: float, label: str) -> str:
        return _text(x, self.top + self.plot_h + 18, label, size=11)

    def legend(self) -> list[str]:
        parts, x = [], self.left + 120
        if len(self.chart.series) < 2:
            return parts
        for i, s in enumerate(self.chart.series):
            colour = PALETTE[i % len(PALETTE)]
            parts.append(f"<rect {_attrs(x=x, y=self.top - 25, width=12, height=12, fill=colour)}/>")
            parts.append(_text(x + 16, self.top - 15, s.name, anchor="start", size=12))
            x += 28 + 14 * len(s.name)
        return parts


def _finish(chart: Chart, parts: list[str]) -> Chart:
    parts.append("</svg>")
    # Every text and attribute value above went through escape/quoteattr.
    chart.svg = mark_safe("".join(parts))
    return chart


def bar_chart(chart: Chart, *, width: int = 640, height: int = 320) -> Chart:
    """Grouped vertical bars: one group per category, one bar per series."""
    frame = _Frame(chart, width, height)
    parts = frame.open()
    n = max(len(chart.categories), 1)
    group_w = frame.plot_w / n
    bar_w = min(group_w * 0.7 / max(len(chart.series), 1), 48)
    base = frame.y(0)
    for i, category in enumerate(chart.categories):
        start = frame.left + i * group_w + (group_w - bar_w * len(chart.series)) / 2
        for j, s in enumerate(chart.series):
            value = s.values[i]
            y = frame.y(value)
            label = _point_label(category, s.name, chart.fmt(value))
            parts.append(
                f"<rect {_attrs(class_='bar', x=_n(start + j * bar_w), y=_n(y), width=_n(bar_w), height=_n(base - y))} "
                f"{_attrs(fill=PALETTE[j % len(PALETTE)], data_series=s.name, data_category=category, data_value=value)}>"
                f"<title>{escape(label)}</title></rect>"
            )
        parts.append(frame.category_label(frame.left + (i + 0.5) * group_w, category))
    parts += frame.legend()
    return _finish(chart, parts)


def _point_label(category: str, series: str, value: str) -> str:
    return gettext("%(category)s %(series)s:%(value)s") % {
        "category": category,
        "series": series,
        "value": value,
    }


def line_chart(chart: Chart, *, width: int = 640, height: int = 320) -> Chart:
    """One line per series over the categories (e.g. months), with a marked point per value."""
    frame = _Frame(chart, width, height)
    parts = frame.open()
    n = max(len(chart.categories), 1)
    step = frame.plot_w / n
    xs = [frame.left + (i + 0.5) * step for i in range(n)]
    for i, category in enumerate(chart.categories):
        parts.append(frame.category_label(xs[i], category))
    for j, s in enumerate(chart.series):
        colour = PALETTE[j % len(PALETTE)]
        points = " ".join(f"{_n(xs[i])},{_n(frame.y(v))}" for i, v in enumerate(s.values))
        parts.append(
            f"<polyline {_attrs(class_='line', points=points, fill='none', stroke=colour, stroke_width=2)}/>"
        )
        for i, value in enumerate(s.values):
            label = _point_label(chart.categories[i], s.name, chart.fmt(value))
            parts.append(
                f"<circle {_attrs(class_='point', cx=_n(xs[i]), cy=_n(frame.y(value)), r=4, fill=colour)} "
                f"{_attrs(data_series=s.name, data_category=chart.categories[i], data_value=value)}>"
                f"<title>{escape(label)}</title></circle>"
            )
    parts += frame.legend()
    return _finish(chart, parts)
