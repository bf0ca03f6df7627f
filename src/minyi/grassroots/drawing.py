"""The coverage map as SVG, drawn from the area tree alone (the district keeps no geometry): a
treemap in which every street, community and grid gets a rectangle sized by its buildings, and
every building a small square coloured by its coverage. Pure and deterministic: the same tree
always gives the same drawing, so a grid worker finds their grid in the same place every day."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple

from minyi.grassroots.queries import AreaNode
from minyi.grassroots.rules import COVERAGE_COLOURS, COVERAGE_LABELS, Coverage, percent

WIDTH, HEIGHT = 1000.0, 700.0
LEGEND = 34.0
PAD = {"district": 0.0, "street": 4.0, "community": 2.5, "grid": 1.2}
DETAILED = 3000
STROKE = {"district": "#333", "street": "#333", "community": "#777", "grid": "#bbb"}


class Rect(NamedTuple):
    # A NamedTuple, not a frozen dataclass: a district's map makes 20,000 of them.
    x: float
    y: float
    w: float
    h: float

    def inset(self, d: float) -> Rect:
        d = min(d, self.w / 4, self.h / 4)
        return Rect(self.x + d, self.y + d, self.w - 2 * d, self.h - 2 * d)


def _weight(node: AreaNode) -> int:
    # An area without buildings still gets a sliver, so it shows as a gap rather than vanishing.
    return max(node.counts.total, 1)


def layout(node: AreaNode, rect: Rect) -> list[tuple[AreaNode, Rect]]:
    """Every node with its rectangle, parents before children. Children are split in rows of
    about the square root of their number, so long lists of grids stay near-square tiles."""
    placed = [(node, rect)]
    if not node.children:
        return placed
    inner = rect.inset(PAD.get(node.kind, 1.0))
    kids = node.children
    per_row = max(1, round(math.sqrt(len(kids) * (inner.w / max(inner.h, 1e-6)))))
    rows = [kids[i : i + per_row] for i in range(0, len(kids), per_row)]
    weights = [sum(_weight(k) for k in row) for row in rows]
    total, y = sum(weights) or 1, inner.y
    for row, weight in zip(rows, weights, strict=True):
        band = Rect(inner.x, y, inner.w, inner.h * weight / total)
        y += band.h
        for kid, kr in zip(row, _cut(band, [_weight(k) for k in row]), strict=True):
            placed.extend(layout(kid, kr))
    return placed


def _cut(band: Rect, weights: list[int]) -> list[Rect]:
    total = sum(weights) or 1
    out, x = [], band.x
    for w in weights:
        width = band.w * w / total
        out.append(Rect(x, band.y, width, band.h))
        x += width
    return out


def _cells(rect: Rect, n: int) -> list[Rect]:
    """n equal squares filling a grid's rectangle row by row."""
    if n == 0 or rect.w <= 0 or rect.h <= 0:
        return []
    cols = max(1, math.ceil(math.sqrt(n * rect.w / rect.h)))
    rows = math.ceil(n / cols)
    cw, ch = rect.w / cols, rect.h / rows
    gap = min(cw, ch) * 0.12
    return [
        Rect(
            rect.x + (i % cols) * cw + gap / 2,
            rect.y + (i // cols) * ch + gap / 2,
            cw - gap,
            ch - gap,
        )
        for i in range(n)
    ]


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class MapWords:
    """The few words a map shows: Chinese by default (the map is the district's document); the
    console passes English ones when the page is English, as the map is drawn into the page."""

    title: str = "{name}网格覆盖图"
    tip: str = "{name}：楼栋{total}，覆盖率{rate}"
    total: str = "覆盖率 {rate}（楼栋 {total}）"
    states: dict[Coverage, str] = field(default_factory=lambda: dict(COVERAGE_LABELS))


ENGLISH = MapWords(
    title="Coverage map of {name}",
    tip="{name}: {total} buildings, coverage {rate}",
    total="Coverage {rate} ({total} buildings)",
    states={
        Coverage.UNASSIGNED: "Nobody assigned",
        Coverage.OVERDUE: "Overdue",
        Coverage.COVERED: "Visited in time",
    },
)


def render_svg(root: AreaNode, *, link: str | None = None, words: MapWords | None = None) -> str:
    """The map of the area under `root`. `link`: a URL prefix the areas one level below the root
    (the named ones) link to, with their code appended, to zoom in; None draws no links (an SVG
    shown as an image ignores them anyway). `words`: its language (Chinese by default)."""
    w = words or MapWords()
    title = w.title.format(name=root.name)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(WIDTH)} {_n(HEIGHT + LEGEND)}" '
        # With links the map is a group of them (an "img" hides its children from a screen reader).
        f'role="{"group" if link else "img"}" aria-label="{escape(title)}" '
        'font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    labels = []
    links: list[str] = []
    # A district of 20,000 buildings as one square each with its own tooltip is megabytes of
    # SVG: past DETAILED buildings, each state's squares are one path and the tooltips stay on
    # the grids.
    detailed = root.counts.total <= DETAILED
    paths: dict[Coverage, list[str]] = {state: [] for state in Coverage}
    for node, r in layout(root, Rect(0, 0, WIDTH, HEIGHT)):
        tip = w.tip.format(name=node.name, total=node.counts.total, rate=percent(node.counts.rate))
        fill = "#fafafa" if node.kind != "grid" else "#f0f0f0"
        rect = (
            f'<rect x="{_n(r.x)}" y="{_n(r.y)}" width="{_n(r.w)}" height="{_n(r.h)}" fill="{fill}" '
            f'stroke="{STROKE.get(node.kind, "#999")}" stroke-width="{1.5 if node.kind == "street" else 0.6}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        parts.append(rect)
        if link and node is not root and node.kind == _label_kind(root):
            # A transparent target over the whole area, drawn above the buildings: a tap
            # anywhere on a street (community, grid) opens its page; a keyboard reaches each
            # in reading order, and a screen reader reads its figures.
            links.append(
                f'<a href="{escape(link + node.code)}" aria-label="{escape(tip)}" class="gr-area">'
                f"<title>{escape(tip)}</title>"
                f'<rect x="{_n(r.x)}" y="{_n(r.y)}" width="{_n(r.w)}" height="{_n(r.h)}" '
                f'fill="transparent" pointer-events="all"/></a>'
            )
        if node.kind == "grid":
            inner = r.inset(PAD["grid"])
            for b, c in zip(node.buildings, _cells(inner, len(node.buildings)), strict=False):
                if not detailed:
                    paths[b.state].append("M%.1f %.1fh%.1fv%.1fh-%.1fz" % (c.x, c.y, c.w, c.h, c.w))  # noqa: UP031 - the fastest formatting, 20,000 times
                    continue
                parts.append(
                    f'<rect x="{_n(c.x)}" y="{_n(c.y)}" width="{_n(c.w)}" height="{_n(c.h)}" '
                    f'fill="{COVERAGE_COLOURS[b.state]}" data-building="{b.id}"><title>{escape(b.name)}：'
                    f"{w.states[b.state]}</title></rect>"
                )
        if node is not root and node.kind == _label_kind(root) and r.w > 40 and r.h > 14:
            size = max(9.0, min(16.0, r.w / max(len(node.name), 1)))
            labels.append(
                f'<text x="{_n(r.x + r.w / 2)}" y="{_n(r.y + r.h / 2)}" font-size="{_n(size)}" text-anchor="middle" '
                f'dominant-baseline="middle" fill="#111" stroke="#fff" stroke-width="3" paint-order="stroke" '
                f'pointer-events="none">{escape(node.name)}</text>'
            )
    for state, segments in paths.items():
        if segments:
            parts.append(
                f'<path fill="{COVERAGE_COLOURS[state]}" d="{"".join(segments)}"><title>{w.states[state]}</title></path>'
            )
    parts.extend(links)
    parts.extend(labels)
    x = 8.0
    for state in (Coverage.COVERED, Coverage.OVERDUE, Coverage.UNASSIGNED):
        parts.append(
            f'<rect x="{_n(x)}" y="{_n(HEIGHT + 10)}" width="14" height="14" fill="{COVERAGE_COLOURS[state]}"/>'
        )
        parts.append(
            f'<text x="{_n(x + 20)}" y="{_n(HEIGHT + 22)}" font-size="14">{w.states[state]}</text>'
        )
        x += 130
    parts.append(
        f'<text x="{_n(WIDTH - 8)}" y="{_n(HEIGHT + 22)}" font-size="14" text-anchor="end">'
        f"{escape(w.total.format(rate=percent(root.counts.rate), total=root.counts.total))}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _label_kind(root: AreaNode) -> str:
    """Name the level just below the root: streets on the district's map, communities on a street's."""
    return {"district": "street", "street": "community", "community": "grid"}.get(root.kind, "grid")
