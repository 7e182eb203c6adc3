"""The trend chart as SVG markup, drawn on the server: the same figure on the web and in the PDF.

No script and no external file: it works without JavaScript and inside WeasyPrint. For
screen readers the figure is one image (``role="img"``) named by its ``<title>`` and
described by its ``<desc>``, which says every value; the page shows the same numbers as
a table too. Every text drawn is escaped here, since labels come from definitions that
staff may edit.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from screener.trend import LEVEL_WORDS, LEVELS, Line, Trend

WIDTH = 420  # drawn at this width or wider: narrower screens scroll it, text stays legible
LEFT = 120  # room for the axis labels ("Not consistent") and half the first date
RIGHT = 54  # half the last date ("29 December 2026")
PLOT = 72  # height of a count's plot area
LEVEL_GAP = 26  # between outcome rows
INK = "#1a1a1a"
LINE = "#0b3d6e"
GRID = "#8a8a8a"
MUTED = "#4a4a4a"


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start", **extra) -> str:
    more = "".join(f' {name.replace("_", "-")}="{escape(str(v))}"' for name, v in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{INK}"{more}>{escape(text)}</text>'
    )


def _xs(count: int) -> list[float]:
    if count == 1:
        return [LEFT + (WIDTH - LEFT - RIGHT) / 2]
    step = (WIDTH - LEFT - RIGHT) / (count - 1)
    return [LEFT + step * index for index in range(count)]


def _panel(line: Line, top: float) -> tuple[list[str], float]:
    """One line's panel from ``top``: its heading, axis, points and labels; its height."""
    parts = [_text(0, top + 14, f"{line.title}: {line.label}", 13, font_weight="bold")]
    xs = _xs(len(line.points))
    plot_top = top + 30
    if line.kind == "count":
        bottom = plot_top + PLOT

        def y_of(point):
            return bottom - (point.value / line.maximum) * PLOT

        for value, y in ((0, bottom), (line.maximum, plot_top)):
            parts.append(
                f'<line x1="{LEFT - 6}" y1="{y:.1f}" x2="{WIDTH - RIGHT + 10}" '
                f'y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
            )
            parts.append(_text(LEFT - 10, y + 4, f"{value:g}", 11, "end", fill_opacity="1"))
        plotted = [(x, p) for x, p in zip(xs, line.points, strict=True) if p.value is not None]
    else:
        rows = {level: plot_top + 8 + index * LEVEL_GAP for index, level in enumerate(LEVELS)}
        bottom = plot_top + 8 + (len(LEVELS) - 1) * LEVEL_GAP
        for level, y in rows.items():
            parts.append(
                f'<line x1="{LEFT - 6}" y1="{y:.1f}" x2="{WIDTH - RIGHT + 10}" '
                f'y2="{y:.1f}" stroke="{GRID}" stroke-width="1" stroke-dasharray="2 3"/>'
            )
            parts.append(_text(LEFT - 10, y + 4, LEVEL_WORDS[level], 11, "end"))

        def y_of(point):
            return plot_top + 8 + point.level * LEVEL_GAP

        plotted = [(x, p) for x, p in zip(xs, line.points, strict=True) if p.level is not None]
    if len(plotted) > 1:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f} {y_of(p):.1f}" for i, (x, p) in enumerate(plotted)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for x, point in plotted:
        y = y_of(point)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{LINE}"/>')
        if line.kind == "count":
            parts.append(_text(x, y - 9, f"{point.value:g}", 12, "middle", font_weight="bold"))
    # Under the axis: each point's date and definition version, then each change.
    for x, point in zip(xs, line.points, strict=True):
        parts.append(_text(x, bottom + 18, point.date, 11, "middle"))
        parts.append(_text(x, bottom + 32, point.version or point.text, 10, "middle", fill=MUTED))
    for index in range(1, len(line.points)):
        change = line.points[index].change
        if change:
            middle = (xs[index - 1] + xs[index]) / 2
            parts.append(_text(middle, bottom + 48, change, 10, "middle", fill=MUTED))
    return parts, bottom + 62 - top


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
    height = int(top)
    drawing = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{name}-title {name}-desc" font-family="{escape(font)}">'
        f'<title id="{name}-title">{escape(title)}</title>'
        f'<desc id="{name}-desc">{escape(_description(trend))}</desc>' + "".join(parts) + "</svg>"
    )
    return Markup(drawing)  # noqa: S704 -- numbers we format, and texts escaped above
