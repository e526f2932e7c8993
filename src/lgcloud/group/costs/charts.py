"""Server-side SVG charts for the cost screens.

No JavaScript and no styles: the page's Content-Security-Policy forbids inline styles, so every
colour and size is an SVG presentation attribute (fill, stroke, font-size …), which CSP allows.
Each chart is role="img" with an aria-label, carries <title> and <desc>, and the page shows the
same figures in a table beside it. Elements are built with xml.etree, which escapes all text.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from lgcloud.group.costs.figures import percent
from lgcloud.group.costs.savings import GroupSavings
from lgcloud.platform.common.wareki import format_fiscal_year

# Colours that keep a 4.5:1 contrast on white and differ in lightness as well as hue.
BLUE = "#0017c1"
GREY = "#767676"
GREEN = "#197a4b"
RED = "#ce0000"
TEXT = "#1a1a1a"
GRID = "#d8d8d8"
FONT = "12"
SMALL = "10"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class PointSeries:
    name: str
    points: Sequence[Point]
    colour: str
    shape: str = "circle"  # circle | square


@dataclass(frozen=True)
class Scale:
    """How amounts are printed on an axis: yen in 百万円, 千円 or 円."""

    divisor: int
    unit: str

    def fmt(self, value: float, places: int = 0) -> str:
        v = value / self.divisor
        return f"{v:,.{places}f}"


def yen_scale(largest: float) -> Scale:
    if largest >= 100_000_000:
        return Scale(1_000_000, "百万円")
    if largest >= 1_000_000:
        return Scale(1_000, "千円")
    return Scale(1, "円")


def nice_ticks(largest: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 2.5, 5 × 10ⁿ) up to at least `largest`."""
    if largest <= 0 or not math.isfinite(largest):
        return [0.0, 1.0]
    raw = largest / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    n = math.ceil(largest / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _tick_label(value: float, scale: Scale) -> str:
    v = value / scale.divisor
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.1f}"


class _Svg:
    def __init__(self, key: str, width: int, height: int, title: str, desc: str) -> None:
        self.key = key
        self.root = ET.Element("svg", {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "class": "chart",
            "id": f"chart-{key}",
            "role": "img",
            "aria-label": title,
            "aria-describedby": f"chart-{key}-desc",
            "focusable": "false",
            "font-family": "sans-serif",
            "font-size": FONT,
        })
        ET.SubElement(self.root, "title", {"id": f"chart-{key}-title"}).text = title
        ET.SubElement(self.root, "desc", {"id": f"chart-{key}-desc"}).text = desc
        ET.SubElement(self.root, "rect", {"x": "0", "y": "0", "width": str(width), "height": str(height),
                                          "fill": "#ffffff"})
        self.width = width
        self.height = height

    def el(self, tag: str, cls: str | None = None, **attrs: Any) -> ET.Element:
        """An element on the chart; attribute names with _ for - (stroke_width → stroke-width)."""
        e = ET.SubElement(self.root, tag, {k.replace("_", "-"): str(v) for k, v in attrs.items()})
        if cls:
            e.set("class", cls)
        return e

    @staticmethod
    def tooltip(parent: ET.Element, text: str) -> None:
        ET.SubElement(parent, "title").text = text

    def text(self, x: float, y: float, text: str, *, anchor: str = "start", size: str = FONT, fill: str = TEXT,
             weight: str | None = None, transform: str | None = None) -> ET.Element:
        attrs: dict[str, Any] = {"x": _n(x), "y": _n(y), "text_anchor": anchor, "font_size": size, "fill": fill}
        if weight:
            attrs["font_weight"] = weight
        if transform:
            attrs["transform"] = transform
        e = self.el("text", **attrs)
        e.text = text
        return e

    def legend(self, items: Sequence[tuple[str, str, str]], y: float = 18, x: float = 12) -> None:
        """items: (label, colour, kind) with kind rect | line | dashed | circle | square."""
        for label, colour, kind in items:
            if kind in ("line", "dashed"):
                self.el("line", x1=_n(x), y1=_n(y - 4), x2=_n(x + 22), y2=_n(y - 4), stroke=colour, stroke_width=3,
                        **({"stroke_dasharray": "6 4"} if kind == "dashed" else {}))
            elif kind == "circle":
                self.el("circle", cx=_n(x + 11), cy=_n(y - 4), r=5, fill="#ffffff", stroke=colour, stroke_width=2)
            else:
                self.el("rect", x=_n(x + 4), y=_n(y - 11), width=14, height=14 if kind == "rect" else 9, fill=colour)
            self.text(x + 28, y, label)
            x += 28 + 13 * len(label) + 24

    def badge(self, text: str) -> None:
        w = 13 * len(text) + 16
        self.el("rect", x=_n(self.width - w - 8), y=4, width=_n(w), height=22, rx=4, fill="#ffffff", stroke=RED,
                stroke_width=1.5)
        self.text(self.width - w / 2 - 8, 20, text, anchor="middle", fill=RED, weight="bold")

    def render(self) -> SafeString:
        return mark_safe(ET.tostring(self.root, encoding="unicode", short_empty_elements=True))  # noqa: S308 - built by ElementTree, which escapes text


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


ILLUSTRATIVE = "例示データ"


def grouped_bars(key: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series],
                 *, illustrative: bool = False) -> SafeString:
    """Horizontal grouped bars, one row per label (e.g. a member), one bar per series (before/after)."""
    label_w, right, top, bottom = 120, 70, 44, 40
    bar_h, gap = 12, 10
    row_h = bar_h * len(series) + gap
    width = 760
    height = top + row_h * max(1, len(labels)) + bottom
    values = [v for s in series for v in s.values if v is not None]
    scale = yen_scale(max(values, default=0))
    ticks = nice_ticks(max(values, default=0))
    plot_w = width - label_w - right

    def x_of(v: float) -> float:
        return label_w + plot_w * v / ticks[-1]

    svg = _Svg(key, width, height, title, desc)
    svg.legend([(s.name, s.colour, "rect") for s in series])
    if illustrative:
        svg.badge(ILLUSTRATIVE)
    axis_y = top + row_h * len(labels)
    for t in ticks:
        svg.el("line", x1=_n(x_of(t)), y1=top - 4, x2=_n(x_of(t)), y2=_n(axis_y), stroke=GRID, stroke_width=1)
        svg.text(x_of(t), axis_y + 16, _tick_label(t, scale), anchor="middle", size=SMALL)
    svg.text(label_w + plot_w / 2, axis_y + 34, f"年間費用（{scale.unit}）", anchor="middle")
    for i, label in enumerate(labels):
        y0 = top + i * row_h + gap / 2
        svg.text(label_w - 8, y0 + row_h / 2 - 1, label, anchor="end")
        for j, s in enumerate(series):
            v = s.values[i]
            if v is None:
                continue
            y = y0 + j * bar_h
            bar = svg.el("rect", f"bar series-{j}", x=label_w, y=_n(y), width=_n(max(0.0, x_of(v) - label_w)), height=bar_h - 1,
                         fill=s.colour)
            svg.tooltip(bar, f"{label} {s.name}: {v:,.0f}円")
            svg.text(x_of(v) + 4, y + bar_h - 2, scale.fmt(v, 1), size=SMALL)
    svg.el("line", x1=label_w, y1=top - 4, x2=label_w, y2=_n(axis_y), stroke=TEXT, stroke_width=1)
    return svg.render()


def scatter(key: str, title: str, desc: str, series: Sequence[PointSeries], *, x_label: str, y_label: str,
            connect: bool = True, illustrative: bool = False) -> SafeString:
    """Points on two linear axes from 0; with `connect`, points of the same label are joined (before → after)."""
    width, height = 760, 440
    left, right, top, bottom = 84, 24, 44, 56
    xs = [p.x for s in series for p in s.points]
    ys = [p.y for s in series for p in s.points]
    xt, yt = nice_ticks(max(xs, default=0)), nice_ticks(max(ys, default=0))
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + plot_w * v / xt[-1]

    def py(v: float) -> float:
        return top + plot_h - plot_h * v / yt[-1]

    svg = _Svg(key, width, height, title, desc)
    kinds = {"circle": "circle", "square": "square"}
    svg.legend([(s.name, s.colour, kinds.get(s.shape, "circle")) for s in series])
    if illustrative:
        svg.badge(ILLUSTRATIVE)
    for t in xt:
        svg.el("line", x1=_n(px(t)), y1=top, x2=_n(px(t)), y2=top + plot_h, stroke=GRID, stroke_width=1)
        svg.text(px(t), top + plot_h + 16, f"{t:,.0f}", anchor="middle", size=SMALL)
    for t in yt:
        svg.el("line", x1=left, y1=_n(py(t)), x2=left + plot_w, y2=_n(py(t)), stroke=GRID, stroke_width=1)
        svg.text(left - 6, py(t) + 4, f"{t:,.0f}", anchor="end", size=SMALL)
    svg.el("line", x1=left, y1=top + plot_h, x2=left + plot_w, y2=top + plot_h, stroke=TEXT, stroke_width=1)
    svg.el("line", x1=left, y1=top, x2=left, y2=top + plot_h, stroke=TEXT, stroke_width=1)
    svg.text(left + plot_w / 2, height - 12, x_label, anchor="middle")
    svg.text(16, top + plot_h / 2, y_label, anchor="middle", transform=f"rotate(-90 16 {_n(top + plot_h / 2)})")
    if connect and len(series) > 1:
        by_label: dict[str, list[Point]] = {}
        for s in series:
            for p in s.points:
                by_label.setdefault(p.label, []).append(p)
        for pts in by_label.values():
            for a, b in itertools.pairwise(pts):
                svg.el("line", x1=_n(px(a.x)), y1=_n(py(a.y)), x2=_n(px(b.x)), y2=_n(py(b.y)), stroke=GREY,
                       stroke_width=1, stroke_dasharray="2 3")
    for k, s in enumerate(series):
        for p in s.points:
            if s.shape == "square":
                mark = svg.el("rect", f"point series-{k}", x=_n(px(p.x) - 5), y=_n(py(p.y) - 5), width=10, height=10, fill=s.colour)
            else:
                mark = svg.el("circle", f"point series-{k}", cx=_n(px(p.x)), cy=_n(py(p.y)), r=5.5, fill="#ffffff", stroke=s.colour,
                              stroke_width=2)
            svg.tooltip(mark, f"{p.label} {s.name}: 人口 {p.x:,.0f}人、{p.y:,.0f}円/人")
    return svg.render()


def bars_and_lines(key: str, title: str, desc: str, categories: Sequence[str], bars: Series,
                   lines: Sequence[Series], *, illustrative: bool = False) -> SafeString:
    """Vertical bars per category (e.g. the group's cost per fiscal year) and reference lines across them."""
    width, height = 760, 380
    left, right, top, bottom = 72, 24, 64, 56
    values = [v for s in (bars, *lines) for v in s.values if v is not None]
    scale = yen_scale(max(values, default=0))
    ticks = nice_ticks(max(values, default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(categories))
    slot = plot_w / n

    def py(v: float) -> float:
        return top + plot_h - plot_h * v / ticks[-1]

    svg = _Svg(key, width, height, title, desc)
    svg.legend([(bars.name, bars.colour, "rect"),
                *[(s.name, s.colour, "dashed" if s.dashed else "line") for s in lines]])
    if illustrative:
        svg.badge(ILLUSTRATIVE)
    for t in ticks:
        svg.el("line", x1=left, y1=_n(py(t)), x2=left + plot_w, y2=_n(py(t)), stroke=GRID, stroke_width=1)
        svg.text(left - 6, py(t) + 4, _tick_label(t, scale), anchor="end", size=SMALL)
    svg.text(12, top - 14, f"（{scale.unit}）", size=SMALL)
    label_every = max(1, math.ceil(n / 10))
    bar_w = min(56.0, slot * 0.6)
    for i, (cat, v) in enumerate(zip(categories, bars.values, strict=True)):
        cx = left + slot * (i + 0.5)
        if v is not None:
            bar = svg.el("rect", "bar series-0", x=_n(cx - bar_w / 2), y=_n(py(v)), width=_n(bar_w), height=_n(top + plot_h - py(v)),
                         fill=bars.colour)
            svg.tooltip(bar, f"{cat} {bars.name}: {v:,.0f}円")
            if n <= 12:
                svg.text(cx, py(v) - 4, scale.fmt(v, 1), anchor="middle", size=SMALL)
        if i % label_every == 0:
            svg.text(cx, top + plot_h + 18, cat, anchor="middle", size=SMALL)
    for k, s in enumerate(lines):
        pts = [(left + slot * (i + 0.5), py(v)) for i, v in enumerate(s.values) if v is not None]
        if len(pts) == 1:  # one category: a short level line across the slot
            pts = [(pts[0][0] - slot / 2 + 4, pts[0][1]), (pts[0][0] + slot / 2 - 4, pts[0][1])]
        elif pts:  # extend to the plot's edges so the level reads as a line across the years
            pts = [(left + 2, pts[0][1]), *pts, (left + plot_w - 2, pts[-1][1])]
        attrs: dict[str, Any] = {"fill": "none", "stroke": s.colour, "stroke_width": 3}
        if s.dashed:
            attrs["stroke_dasharray"] = "8 5"
        line = svg.el("polyline", f"line series-{k + 1}", points=" ".join(f"{_n(x)},{_n(y)}" for x, y in pts), **attrs)
        svg.tooltip(line, s.name)
    svg.el("line", x1=left, y1=top + plot_h, x2=left + plot_w, y2=top + plot_h, stroke=TEXT, stroke_width=1)
    svg.el("line", x1=left, y1=top, x2=left, y2=top + plot_h, stroke=TEXT, stroke_width=1)
    return svg.render()


def goal_gauge(key: str, title: str, desc: str, value_percent: float | None, goal_percent: float, *,
               met: bool, illustrative: bool = False) -> SafeString:
    """A horizontal bar from 0% to the reduction achieved, with the goal marked across it."""
    width, height = 760, 110
    left, right = 24, 24
    top = 44
    bar_h = 26
    top_value = max(60.0, goal_percent + 10, (value_percent or 0) + 10)
    top_value = math.ceil(top_value / 10) * 10
    plot_w = width - left - right

    def px(v: float) -> float:
        return left + plot_w * max(0.0, v) / top_value

    svg = _Svg(key, width, height, title, desc)
    colour = GREEN if met else RED
    svg.legend([("達成した削減率", colour, "rect"), (f"目標 {goal_percent:g}%", TEXT, "dashed")])
    if illustrative:
        svg.badge(ILLUSTRATIVE)
    svg.el("rect", x=left, y=top, width=plot_w, height=bar_h, fill="#f2f2f2", stroke=GREY, stroke_width=1)
    if value_percent is not None and value_percent > 0:
        svg.el("rect", "bar series-0", x=left, y=top, width=_n(px(value_percent) - left), height=bar_h, fill=colour)
    if value_percent is not None:
        inside = px(value_percent) - left > 80
        svg.text(px(value_percent) - 6 if inside else max(px(value_percent), left) + 6, top + 18,
                 f"{value_percent:g}%", anchor="end" if inside else "start", fill="#ffffff" if inside else TEXT,
                 weight="bold", size="14")
    svg.el("line", x1=_n(px(goal_percent)), y1=top - 6, x2=_n(px(goal_percent)), y2=top + bar_h + 6, stroke=TEXT,
           stroke_width=3, stroke_dasharray="5 3")
    for t in range(0, int(top_value) + 1, 10):
        svg.text(px(t), top + bar_h + 20, f"{t}%", anchor="middle", size=SMALL)
    return svg.render()


# --- the dashboard's charts ------------------------------------------------------------------------


def dashboard(s: GroupSavings, *, illustrative: bool) -> dict[str, SafeString]:
    """The four dashboard charts for a savings result; the page shows the same figures in tables."""
    period = f"{format_fiscal_year(s.start_fy)}〜{format_fiscal_year(s.end_fy)}"
    mark = "（例示データ）" if illustrative else ""
    goal = float(percent(s.goal) or 0)
    reduction = percent(s.reduction)
    shown = [m for m in s.members if m.baseline_per_year or m.actual_total]
    charts: dict[str, SafeString] = {}
    if reduction is not None:
        verdict = "目標を達成しています" if s.goal_met else "目標に届いていません"
        charts["goal"] = goal_gauge(
            "goal", f"{period}の削減率 {reduction}%（目標 {goal:g}%）{mark}",
            f"グループ全体の削減率は{reduction}%で、{goal:g}%の目標に対して{verdict}。", float(reduction), goal,
            met=s.goal_met, illustrative=illustrative)
    charts["members"] = grouped_bars(
        "members", f"構成団体別の年間費用：共同化前と共同化後（{period}の年平均）{mark}",
        "構成団体ごとに、共同化前の年間費用（灰色）と共同化後の年平均費用（青）を横棒で比べます。"
        "数値は下の表にあります。",
        [m.municipality.name for m in shown],
        [Series("共同化前（基準）", [m.baseline_per_year or None for m in shown], GREY),
         Series("共同化後（年平均）", [float(m.actual_per_year) or None for m in shown], BLUE)],
        illustrative=illustrative)
    with_pop = [m for m in shown if m.population]
    charts["per_resident"] = scatter(
        "per_resident", f"人口と住民1人あたりの年間費用{mark}",
        "横軸が人口、縦軸が住民1人あたりの年間費用です。白丸が共同化前、青い四角が共同化後で、"
        "同じ団体の点を点線で結んでいます。人口の少ない団体ほど1人あたりの費用が大きくなります。",
        [PointSeries("共同化前", [Point(m.municipality.name, m.population, float(m.baseline_per_resident or 0))
                                 for m in with_pop if m.baseline_per_year], GREY, "circle"),
         PointSeries("共同化後", [Point(m.municipality.name, m.population, float(m.actual_per_resident or 0))
                                 for m in with_pop], BLUE, "square")],
        x_label="人口（人）", y_label="住民1人あたり年間費用（円）", illustrative=illustrative)
    charts["yearly"] = bars_and_lines(
        "yearly", f"グループの年度別費用と共同化前の水準{mark}",
        f"青い棒が各年度のグループの費用（共同費用と各団体の費用の合計）、灰色の線が共同化前の年間費用、"
        f"緑の破線が{goal:g}%削減の目標の水準です。",
        [format_fiscal_year(fy) for fy, _, _ in s.yearly],
        Series("共同化後の費用", [actual for _, _, actual in s.yearly], BLUE),
        [Series("共同化前の水準", [baseline for _, baseline, _ in s.yearly], GREY),
         Series(f"目標の水準（{goal:g}%削減）", [float(baseline * (1 - s.goal)) for _, baseline, _ in s.yearly], GREEN,
                dashed=True)],
        illustrative=illustrative)
    return charts
