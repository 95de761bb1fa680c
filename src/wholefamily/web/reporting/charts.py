"""Bar charts as inline SVG, drawn on the server: no script (the pages' CSP allows
none inline), the same drawing in the web page and in the PDF report, and a title
and description for screen readers. The figure's table sits beside every chart."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from wholefamily.web.reporting.metrics import Figure

BAR = 22
GAP = 10
LABEL = 230  # px for the labels
PLOT = 330  # px for the longest bar
RIGHT = 90  # px for the values
LINE = 15  # px between the two lines of a long label
# The widest text that fits LABEL - 8 px at 14 px Arial, counted at the width of
# its widest common letters (about 7.4 px), so no label runs off the left edge.
LABEL_CHARS = 29
BLUE, RED = "#1d70b8", "#d4351c"  # GOV.UK blue; red for a fall
# Presentation attributes, not only CSS classes: the PDF's SVG renderer reads these.
FONT = 'font-family="arial, sans-serif" font-size="14" fill="#0b0c0c"'


def _value(v: Any, unit: str) -> str:
    if v is None:
        return "none"
    if unit == "£":
        return f"£{v:,.0f}"
    if unit == "%":
        return f"{v:.1f}%"
    return f"{v:,}" if isinstance(v, int) else f"{v:,.1f}"


def label_lines(label: str) -> list[str]:
    """A label as one line, or two broken at a space; what is still too long ends in …"""
    if len(label) <= LABEL_CHARS:
        return [label]
    cut = label.rfind(" ", 0, LABEL_CHARS + 1)
    if cut <= 0:
        return [label[: LABEL_CHARS - 1] + "…"]
    rest = label[cut + 1 :]
    if len(rest) > LABEL_CHARS:
        rest = rest[: LABEL_CHARS - 1] + "…"
    return [label[:cut], rest]


def bar_chart(key: str, title: str, rows: list[tuple[str, Any]], unit: str = "") -> SafeString:
    """Horizontal bars, one per (label, value); a missing value draws no bar."""
    numbers = [abs(float(v)) for _, v in rows if v is not None]
    top = max(numbers, default=0.0) or 1.0
    if unit == "%":
        top = max(top, 100.0)  # a share is drawn against the whole: 12.9% is an eighth
    height = max(1, len(rows)) * (BAR + GAP)
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="chart-{key}-title '
        f'chart-{key}-desc" width="{LABEL + PLOT + RIGHT}" height="{height}" '
        f'viewBox="0 0 {LABEL + PLOT + RIGHT} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{key}-title">{escape(title)}</title>',
        f'<desc id="chart-{key}-desc">'
        + escape("; ".join(f"{label}: {_value(v, unit)}" for label, v in rows) or "No data")
        + "</desc>",
    ]
    for i, (label, v) in enumerate(rows):
        y = i * (BAR + GAP)
        lines = label_lines(str(label))
        first = y + (11 if len(lines) == 2 else BAR * 0.7)  # two lines fill the row's 32 px
        spans = "".join(
            f'<tspan x="{LABEL - 8}" y="{first + n * LINE:.1f}">{escape(t)}</tspan>'
            for n, t in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end" {FONT} class="app-chart__label">{spans}</text>')
        w = 0.0 if v is None else PLOT * abs(float(v)) / top
        if w:
            negative = v < 0
            parts.append(
                f'<rect x="{LABEL}" y="{y}" width="{w:.1f}" height="{BAR}" '
                f'fill="{RED if negative else BLUE}" '
                f'class="app-chart__bar{" app-chart__bar--negative" if negative else ""}"/>'
            )
        parts.append(
            f'<text x="{LABEL + w + 6:.1f}" y="{y + BAR * 0.7:.1f}" {FONT} '
            f'class="app-chart__value">{escape(_value(v, unit))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def chart_of(f: Figure) -> SafeString | None:
    """A figure's bar chart (None for a figure drawn as a table only)."""
    if f.chart is None:
        return None
    label, value = f.chart
    if not any(r[value] for r in f.rows):
        return None  # nothing to draw (all none or zero): the table says so
    return bar_chart(f.key, f.title, [(str(r[label]), r[value]) for r in f.rows], f.unit)
