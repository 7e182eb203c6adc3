"""The trend chart as SVG markup, drawn on the server: the same figure on the web and in the PDF.

No script and no external file: it works without JavaScript and inside WeasyPrint. For
screen readers the figure is one image (``role="img"``) named by its ``<title>`` and
described by its ``<desc>``, which says every value; the page shows the same numbers as
a table too. Every text drawn is escaped here, since labels come from definitions that
staff may edit.
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

from screener.trend import LEVEL_WORDS, LEVELS, Line, Trend

WIDTH = 440  # drawn at this width or wider: narrower screens scroll it, text stays legible
LEFT = 120  # room for the axis labels ("Not consistent") and half the first date
RIGHT = 54  # half the last point's label ("12 · v1.1 rev 1")
INSET = 44  # the first point stands clear of the axis labels
PLOT = 72  # height of a count's plot area
LEVEL_GAP = 26  # between outcome rows
CHANGE_LINE = 13  # between the lines of a change's label
INK = "#1a1a1a"
LINE = "#0b3d6e"
GRID = "#8a8a8a"
MUTED = "#4a4a4a"


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start", **extra) -> str:
    attributes = {"fill": INK, **extra}
    more = "".join(f' {key.replace("_", "-")}="{escape(str(v))}"' for key, v in attributes.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
        f"{more}>{escape(text)}</text>"
    )


def _xs(count: int) -> list[float]:
    first, last = LEFT + INSET, WIDTH - RIGHT
    if count == 1:
        return [(first + last) / 2]
    step = (last - first) / (count - 1)
    return [first + step * index for index in range(count)]


def _panel(line: Line, top: float) -> tuple[list[str], float]:
    """One line's panel from ``top``: heading, axis, points, each point's value and
    definition version, and each change; its height. The dates are drawn once, below.

    Few text elements: each costs a layout in the PDF, which must stay cheap.
    """
    parts = [_text(0, top + 14, line.label, 13, font_weight="bold")]
    xs = _xs(len(line.points))
    plot_top = top + 42
    if line.kind == "count":
        bottom = plot_top + PLOT

        def y_of(point):
            return bottom - (point.value / line.maximum) * PLOT

        for value, y in ((0, bottom), (line.maximum, plot_top)):
            parts.append(
                f'<line x1="{LEFT - 6}" y1="{y:.1f}" x2="{WIDTH - RIGHT + 10}" '
                f'y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
            )
            parts.append(_text(LEFT - 10, y + 4, f"{value:g}", 11, "end"))
        plotted = [(x, p) for x, p in zip(xs, line.points, strict=True) if p.value is not None]
    else:
        bottom = plot_top + (len(LEVELS) - 1) * LEVEL_GAP
        for index, level in enumerate(LEVELS):
            y = plot_top + index * LEVEL_GAP
            parts.append(
                f'<line x1="{LEFT - 6}" y1="{y:.1f}" x2="{WIDTH - RIGHT + 10}" '
                f'y2="{y:.1f}" stroke="{GRID}" stroke-width="1" stroke-dasharray="2 3"/>'
            )
            parts.append(_text(LEFT - 10, y + 4, LEVEL_WORDS[level], 11, "end"))

        def y_of(point):
            return plot_top + point.level * LEVEL_GAP

        plotted = [(x, p) for x, p in zip(xs, line.points, strict=True) if p.level is not None]
    if len(plotted) > 1:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f} {y_of(p):.1f}" for i, (x, p) in enumerate(plotted)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for x, point in plotted:
        y = y_of(point)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{LINE}"/>')
        value = f"{point.value:g} · " if point.value is not None else ""
        parts.append(_text(x, y - 10, f"{value}{point.version}", 11, "middle"))
    rows = 1
    for index in range(1, len(line.points)):
        change = line.points[index].change
        if change:
            # "Down 3, now below the cut-off" is wider than the gap between two points:
            # each clause on a line of its own.
            middle = (xs[index - 1] + xs[index]) / 2
            clauses = change.split(", ")
            rows = max(rows, len(clauses))
            parts.extend(
                _text(middle, bottom + 20 + CHANGE_LINE * n, clause, 11, "middle", fill=MUTED)
                for n, clause in enumerate(clauses)
            )
    return parts, bottom + 28 + CHANGE_LINE * (rows - 1) - top


_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b"
)


def _short(date: str) -> str:
    """ "29 Dec 2026": a short month keeps the chart's labels apart (the tables say it in
    full), in whatever order the clinic writes dates."""
    return _MONTH.sub(lambda found: found.group(1)[:3], date)


def _dates(trend: Trend, top: float) -> list[str]:
    """The dates under the last panel: the same for every line."""
    xs = _xs(len(trend.dates))
    parts = [
        f'<line x1="{LEFT - 6}" y1="{top:.1f}" x2="{WIDTH - RIGHT + 10}" y2="{top:.1f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    ]
    parts.extend(
        _text(x, top + 16, _short(date), 11, "middle")
        for x, date in zip(xs, trend.dates, strict=True)
    )
    return parts


def _description(trend: Trend) -> str:
    sentences = []
    for line in trend.lines:
        values = "; ".join(
            f"{p.date}: {p.text} ({p.version})" + (f", {p.change.lower()}" if p.change else "")
            for p in line.points
        )
        sentences.append(f"{line.title}, {line.label}. {values}.")
    return " ".join(sentences)


def draw(
    trend: Trend,
    name: str = "trend",
    title: str = "Screening results over time",
    font: str = "inherit",
) -> Markup:
    """The chart: one panel per line, stacked; ``name`` makes its ids unique on a page.
    ``font`` is the text's font family (the PDF names its bundled font)."""
    parts: list[str] = []
    top = 0.0
    for line in trend.lines:
        panel, height = _panel(line, top)
        parts.extend(panel)
        top += height + 12
    parts.extend(_dates(trend, top))
    height = int(top + 26)
    drawing = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{name}-title {name}-desc" font-family="{escape(font)}">'
        f'<title id="{name}-title">{escape(title)}</title>'
        f'<desc id="{name}-desc">{escape(_description(trend))}</desc>' + "".join(parts) + "</svg>"
    )
    return Markup(drawing)  # noqa: S704 -- numbers we format, and texts escaped above
