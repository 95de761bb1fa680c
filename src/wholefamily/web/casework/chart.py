"""Distance travelled: each assessment area's first and latest score, drawn as an SVG
bar chart by the template (no script), with the same figures as a table beside it."""

from __future__ import annotations

from typing import Any

BAR = 18  # px per bar
GAP = 14
LEFT = 190
WIDTH = 300  # px for a score of 10


def distance_travelled(assessments: list[Any]) -> dict[str, Any] | None:
    if not assessments:
        return None
    first, latest = assessments[0], assessments[-1]
    start = {s.area.name: s.score for s in first.scores.all()}
    now = {s.area.name: s.score for s in latest.scores.all()}
    areas = [a for a in now if a in start] or list(now)
    rows = []
    for i, area in enumerate(areas):
        y = i * (2 * BAR + GAP)
        a, b = start.get(area), now[area]
        rows.append(
            {
                "area": area,
                "first": a,
                "latest": b,
                "change": (b - a) if a is not None else None,
                "y": y,
                "label_y": y + BAR + 4,
                "first_w": (a or 0) * WIDTH // 10,
                "latest_w": b * WIDTH // 10,
                "latest_y": y + BAR,
            }
        )
    return {
        "rows": rows,
        "first_on": first.on,
        "latest_on": latest.on,
        "height": len(rows) * (2 * BAR + GAP),
        "left": LEFT,
        "width": LEFT + WIDTH + 40,
        "bar": BAR,
        "count": len(assessments),
    }
