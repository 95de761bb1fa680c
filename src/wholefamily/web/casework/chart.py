"""Distance travelled: each assessment area's first and latest score, drawn as an SVG
bar chart by the template (no script), with the same figures as a table beside it.
Each area's name stands on its own line above its two bars, so a long name is never
cut off at the chart's left edge, and the chart keeps its shape when scaled to a phone."""

from __future__ import annotations

from typing import Any

BAR = 16  # px per bar
LABEL = 20  # px for the area's name above its bars
GAP = 12
WIDTH = 300  # px for a score of 10
ROW = LABEL + 2 * BAR + GAP


def distance_travelled(assessments: list[Any]) -> dict[str, Any] | None:
    if not assessments:
        return None
    first, latest = assessments[0], assessments[-1]
    start = {s.area.name: s.score for s in first.scores.all()}
    now = {s.area.name: s.score for s in latest.scores.all()}
    areas = [a for a in now if a in start] or list(now)
    rows = []
    for i, area in enumerate(areas):
        y = i * ROW
        a, b = start.get(area), now[area]
        rows.append(
            {
                "area": area,
                "first": a,
                "latest": b,
                "change": (b - a) if a is not None else None,
                "label_y": y + LABEL - 6,
                "y": y + LABEL,
                "first_w": (a or 0) * WIDTH // 10,
                "latest_w": b * WIDTH // 10,
                "latest_y": y + LABEL + BAR,
            }
        )
    return {
        "rows": rows,
        "first_on": first.on,
        "latest_on": latest.on,
        "height": len(rows) * ROW,
        "width": WIDTH,
        "bar": BAR,
        "count": len(assessments),
    }
