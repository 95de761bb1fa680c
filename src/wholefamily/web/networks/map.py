"""The network map: a family's network drawn on the server as SVG text (no script).

Generations are rows, oldest at the top (great-grandparents, grandparents, the parents'
generation, the children's generation). The household, the family's current members in
the case record, is a box across the two lowest rows; each network member is a box in
the row of their generation, joined to the household by a line. Formal support (arranged
with the council) is drawn with a solid thick border and line, informal support with a
dashed one, and each box says which in words too; the legend says so as well, so that
nothing is told by colour alone and the map reads the same printed in black and white.

`draw(household, members)` takes plain values (`Person`s in the household and `Node`s
for the network), so it can be tested without a database. The same facts are in the
network table beside the map (`role="img"`, `<title>` and `<desc>` for screen readers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

BOX_W = 210
GAP = 24
LINE_H = 18
PAD = 10
LABEL_W = 150  # the row names on the left
MARGIN = 16
WRAP = 28  # characters a line of a box holds

ROWS = {
    3: "Great-grandparents",
    2: "Grandparents",
    1: "Parents’ generation",
    0: "Children’s generation",
}


@dataclass
class Node:
    """One box of the map: a name, the lines beneath it, its generation (3 to 0) and,
    for a network member, whether their support is formal."""

    name: str
    lines: list[str] = field(default_factory=list)
    generation: int = 1
    formal: bool | None = None  # None: a member of the household


def wrap(text: str, width: int = WRAP) -> list[str]:
    """Words in lines of at most `width` characters (a longer word on its own line)."""
    lines: list[str] = []
    now = ""
    for word in text.split():
        if now and len(now) + 1 + len(word) > width:
            lines.append(now)
            now = word
        else:
            now = f"{now} {word}" if now else word
    if now:
        lines.append(now)
    return lines or [""]


def _lines(node: Node) -> list[tuple[str, bool]]:
    """(text, bold) of each line a box shows."""
    out = [(t, True) for t in wrap(node.name)]
    for line in node.lines:
        out += [(t, False) for t in wrap(line)]
    if node.formal is not None:
        out.append(("Formal support" if node.formal else "Informal support", False))
    return out


def _box(x: int, y: int, h: int, node: Node) -> str:
    if node.formal is None:
        style = 'stroke-width="2"'
    elif node.formal:
        style = 'stroke-width="4"'
    else:
        style = 'stroke-width="2" stroke-dasharray="8 5"'
    kind = "household" if node.formal is None else ("formal" if node.formal else "informal")
    parts = [
        f'<g class="app-map__person app-map__person--{kind}">',
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{h}" rx="6" fill="#ffffff" '
        f'stroke="#0b0c0c" {style}/>',
    ]
    ty = y + PAD + 13
    for text, bold in _lines(node):
        weight = ' font-weight="bold"' if bold else ""
        parts.append(f'<text x="{x + PAD}" y="{ty}"{weight}>{escape(text)}</text>')
        ty += LINE_H
    parts.append("</g>")
    return "".join(parts)


def _link(x1: float, y1: float, x2: float, y2: float, formal: bool) -> str:
    style = 'stroke-width="3"' if formal else 'stroke-width="2" stroke-dasharray="8 5"'
    return (
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#505a5f" {style}/>'
    )


def _path(points: list[tuple[float, float]], formal: bool) -> str:
    style = 'stroke-width="3"' if formal else 'stroke-width="2" stroke-dasharray="8 5"'
    at = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
    return f'<polyline points="{at}" fill="none" stroke="#505a5f" {style}/>'


def draw(
    household: list[Node], members: list[Node], title: str, description: str, ident: str = "map"
) -> str:
    """The map as an SVG element (text, safe to put in a page as it is)."""
    rows = sorted({0, 1} | {m.generation for m in members}, reverse=True)
    adults = [n for n in household if n.generation >= 1]
    kids = [n for n in household if n.generation < 1]
    inside = max(len(adults), len(kids), 1)
    house_w = inside * (BOX_W + GAP) + GAP
    per_row: dict[int, list[Node]] = {g: [m for m in members if m.generation == g] for g in rows}

    def height(nodes: list[Node]) -> int:
        return max([len(_lines(n)) for n in nodes] + [2]) * LINE_H + 2 * PAD

    row_h = {
        g: height(per_row[g] + [n for n in household if min(n.generation, 1) == g]) for g in rows
    }
    top = MARGIN + 70  # room for the legend
    y_of: dict[int, int] = {}
    y = top
    for g in rows:
        y_of[g] = y + (GAP if g in (0, 1) else 0)
        y += row_h[g] + 2 * GAP + (GAP if g == 1 else 0)
    height_all = y + MARGIN
    x0 = MARGIN + LABEL_W
    outside_x = x0 + house_w + GAP
    widths = [outside_x + len(per_row[g]) * (BOX_W + GAP) for g in (0, 1)]
    widths += [x0 + len(per_row[g]) * (BOX_W + GAP) for g in rows if g > 1]
    width = max([*widths, x0 + house_w + MARGIN, 640]) + MARGIN

    house_top = y_of[1] - GAP
    house_bottom = y_of[0] + row_h[0] + GAP
    hx, hy = x0, house_top

    back: list[str] = []  # lines, drawn first (beneath the boxes)
    front: list[str] = []
    front.append(
        f'<rect x="{hx}" y="{hy}" width="{house_w}" height="{house_bottom - house_top}" '
        f'rx="10" fill="#f3f2f1" stroke="#0b0c0c" stroke-width="3"/>'
    )
    front.append(f'<text x="{hx + PAD}" y="{hy + 18}" font-weight="bold">The household</text>')
    for g, nodes in ((1, adults), (0, kids)):
        for i, n in enumerate(nodes):
            front.append(_box(hx + GAP + i * (BOX_W + GAP), y_of[g], row_h[g], n))
    for g in rows:
        start = outside_x if g in (0, 1) else x0
        for i, m in enumerate(per_row[g]):
            bx = start + i * (BOX_W + GAP)
            by = y_of[g]
            front.append(_box(bx, by, row_h[g], m))
            cx, cy = bx + BOX_W / 2, by + row_h[g] / 2
            if g in (0, 1) and i == 0:  # next to the household: straight to its edge
                back.append(_link(bx, cy, hx + house_w, cy, bool(m.formal)))
            elif g in (0, 1):  # further along: over the boxes between, then down to it
                gutter, turn = by - GAP / 2, hx + house_w + GAP / 2
                points = [(cx, by), (cx, gutter), (turn, gutter), (turn, cy), (hx + house_w, cy)]
                back.append(_path(points, bool(m.formal)))
            else:  # above it: down to its top edge
                tx = min(max(cx, hx + 20), hx + house_w - 20)
                back.append(_link(cx, by + row_h[g], tx, house_top, bool(m.formal)))
    for g in rows:
        label_y = y_of[g] + row_h[g] / 2 + 5
        front.append(f'<text x="{MARGIN}" y="{label_y:.0f}" font-weight="bold">{ROWS[g]}</text>')

    legend = [
        f'<g class="app-map__legend"><text x="{MARGIN}" y="{MARGIN + 14}" '
        'font-weight="bold">Key</text>',
        f'<rect x="{MARGIN + 50}" y="{MARGIN}" width="40" height="22" fill="#ffffff" '
        'stroke="#0b0c0c" stroke-width="4"/>',
        f'<text x="{MARGIN + 100}" y="{MARGIN + 16}">Solid thick border and line: formal '
        "support (arranged with the council)</text>",
        f'<rect x="{MARGIN + 50}" y="{MARGIN + 32}" width="40" height="22" fill="#ffffff" '
        'stroke="#0b0c0c" stroke-width="2" stroke-dasharray="8 5"/>',
        f'<text x="{MARGIN + 100}" y="{MARGIN + 48}">Dashed border and line: informal '
        "support</text></g>",
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-map" role="img" '
        f'width="{width}" height="{height_all}" viewBox="0 0 {width} {height_all}" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
        + "".join(legend)
        + "".join(back)
        + "".join(front)
        + "</svg>"
    )
