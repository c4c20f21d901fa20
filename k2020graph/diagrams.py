"""Pictures as SVG text: a two-column flow diagram (Sankey-like) and horizontal bar charts.

Pure functions from plain data to a string of SVG markup, with no store and no server: the callers
(:mod:`k2020graph.server.diagrampages`) read the graph and name the nodes; here they are laid out.
Every text that comes from the data is escaped (:func:`esc`), so a label holding ``<script>`` or a
quote stays text. The markup uses classes only (no ``style`` attributes, no script), so that the
site's Content-Security-Policy holds; colours are in the site's stylesheet.

Accessibility: each picture has a ``<title>`` and ``<desc>`` and an ``aria-label``; a flow diagram
whose nodes are links is a ``role="group"`` (an ``img`` would hide its links from assistive
technology), a chart without links a ``role="img"``. Each node with a page is an ``<a href>`` with
its own ``aria-label``, reachable with the Tab key. The callers show the same facts as a table.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Band", "Bar", "FlowLayout", "Line", "Node", "bar_chart_svg", "esc", "flow_svg", "line_chart_svg", "shorten"]

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(value: object) -> str:
    """``value`` as text safe in SVG/HTML content and in a double- or single-quoted attribute."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def shorten(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` characters at a word, with an ellipsis where cut."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:–-") + "…"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _head(kind: str, width: int, height: int, role: str, title: str, desc: str, ident: str) -> str:
    """The ``<svg>`` start tag with its accessible name and description, then its ``<title>`` and ``<desc>``."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram {kind}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="{role}" aria-label="{esc(title)}" '
        f'aria-describedby="{esc(ident)}-desc" id="{esc(ident)}">'
        f'<title>{esc(title)}</title><desc id="{esc(ident)}-desc">{esc(desc)}</desc>'
    )


@dataclass(frozen=True)
class Node:
    """A box in one column of a flow diagram. ``label`` is shown (short), ``name`` read out and in the tooltip."""

    key: str
    label: str
    name: str
    group: str  # the key of its group (a heading in its column)
    href: str | None = None
    lang: str | None = None  # the label's language where it is not the page's (its lang attribute)


@dataclass(frozen=True)
class Band:
    """A band from a left node to a right node; ``weight`` makes it thicker (a count, never an amount guessed)."""

    source: str
    target: str
    weight: int = 1
    name: str = ""


@dataclass
class FlowLayout:
    """What :func:`flow_svg` drew: the SVG and its counts (tests compare them with the data)."""

    svg: str
    nodes: int
    bands: int
    merges: list[str] = field(default_factory=list)  # right nodes with bands from several left nodes
    splits: list[str] = field(default_factory=list)  # left nodes with bands to several right nodes


# geometry of the flow diagram (SVG user units; the picture scales with its container)
_W = 960
_LABEL = 330  # room for labels on either side
_BAR = 12  # width of a node's box
_UNIT = 13  # height per unit of band weight
_GAP = 7  # between nodes
_HEAD = 26  # a group heading
_TOP = 8


def _column(
    nodes: Sequence[Node], groups: dict[str, str], weight: dict[str, int]
) -> tuple[dict[str, tuple[float, float]], list[tuple[str, float]], float]:
    """Places ``nodes`` top to bottom by group: their (top, height), the group headings' (text, y), the bottom."""
    y = float(_TOP)
    places: dict[str, tuple[float, float]] = {}
    headings: list[tuple[str, float]] = []
    current: str | None = None
    for node in nodes:
        if node.group != current:
            current = node.group
            y += 4 if headings else 0
            headings.append((groups.get(node.group, node.group), y + 16))
            y += _HEAD
        height = max(1, weight.get(node.key, 0)) * _UNIT
        places[node.key] = (y, height)
        y += height + _GAP
    return places, headings, y


def flow_svg(
    left: Sequence[Node],
    right: Sequence[Node],
    bands: Sequence[Band],
    *,
    left_groups: dict[str, str],
    right_groups: dict[str, str],
    title: str,
    desc: str,
    ident: str,
    mark_merges: bool = True,
    merge_text: str = "←{n}",
    split_text: str = "→{n}",
) -> FlowLayout:
    """Left nodes, right nodes (each in the order given, grouped under headings) and bands between them.

    A node's height is the sum of its bands' weights; bands leave and enter a node stacked, in the order
    of the node at their other end, so that few cross. With ``mark_merges``, a right node that several
    left nodes flow into (a merge) and a left node that flows into several right nodes (a split) get
    the class ``merge``/``split`` and a count (``merge_text``/``split_text`` with ``{n}``).
    Bands whose ends are not among the nodes are left out.
    """
    left_keys = {n.key for n in left}
    right_keys = {n.key for n in right}
    bands = [b for b in bands if b.source in left_keys and b.target in right_keys and b.weight > 0]
    out_weight: dict[str, int] = defaultdict(int)
    in_weight: dict[str, int] = defaultdict(int)
    out_peers: dict[str, set[str]] = defaultdict(set)
    in_peers: dict[str, set[str]] = defaultdict(set)
    for b in bands:
        out_weight[b.source] += b.weight
        in_weight[b.target] += b.weight
        out_peers[b.source].add(b.target)
        in_peers[b.target].add(b.source)
    lplace, lheads, lbottom = _column(left, left_groups, out_weight)
    rplace, rheads, rbottom = _column(right, right_groups, in_weight)
    height = int(max(lbottom, rbottom) + _TOP)
    x0 = _LABEL  # left boxes
    x1 = _W - _LABEL - _BAR  # right boxes
    merges = [n.key for n in right if len(in_peers[n.key]) > 1] if mark_merges else []
    splits = [n.key for n in left if len(out_peers[n.key]) > 1] if mark_merges else []

    parts = [_head("flow", _W, height, "group", title, desc, ident)]
    # bands first, under the boxes
    order_l = {k: i for i, k in enumerate(lplace)}
    order_r = {k: i for i, k in enumerate(rplace)}
    lnext = {k: top for k, (top, _) in lplace.items()}
    rnext = {k: top for k, (top, _) in rplace.items()}
    parts.append('<g class="bands">')
    # a node's band ends are stacked in the order of the nodes at their other ends
    left_end: dict[int, float] = {}
    for i, b in sorted(enumerate(bands), key=lambda ib: (order_l[ib[1].source], order_r[ib[1].target])):
        left_end[i] = lnext[b.source]
        lnext[b.source] += b.weight * _UNIT
    right_end: dict[int, float] = {}
    for i, b in sorted(enumerate(bands), key=lambda ib: (order_r[ib[1].target], order_l[ib[1].source])):
        right_end[i] = rnext[b.target]
        rnext[b.target] += b.weight * _UNIT
    xa, xb = x0 + _BAR, x1
    xm = (xa + xb) / 2
    for i, b in enumerate(bands):
        t = b.weight * _UNIT
        ya, yb = left_end[i] + 0.5, right_end[i] + 0.5
        th = t - 1
        d = (
            f"M{xa} {_num(ya)}C{_num(xm)} {_num(ya)} {_num(xm)} {_num(yb)} {xb} {_num(yb)}"
            f"L{xb} {_num(yb + th)}C{_num(xm)} {_num(yb + th)} {_num(xm)} {_num(ya + th)} {xa} {_num(ya + th)}Z"
        )
        cls = "band"
        if b.target in merges:
            cls += " to-merge"
        if b.source in splits:
            cls += " from-split"
        parts.append(f'<path class="{cls}" d="{d}"><title>{esc(b.name)}</title></path>')
    parts.append("</g>")

    def heading(text: str, y: float, x: float, anchor: str) -> str:
        return f'<text class="group" x="{x}" y="{_num(y)}" text-anchor="{anchor}">{esc(shorten(text, 44))}</text>'

    parts.append('<g class="headings">')
    parts += [heading(t, y, x0 + _BAR, "end") for t, y in lheads]
    parts += [heading(t, y, x1, "start") for t, y in rheads]
    parts.append("</g>")

    def box(node: Node, top: float, h: float, x: float, side: str, badge: str | None) -> str:
        cls = f"node {side}" + (" merge" if side == "right" and badge else "") + (" split" if side == "left" and badge else "")
        tx, anchor = (x - 6, "end") if side == "left" else (x + _BAR + 6, "start")
        shown = shorten(node.label, 28 if badge else 40)  # the badge needs room too
        label = esc(shown)
        # the accessible name starts with the text shown (WCAG 2.5.3, label in name), then the whole name
        spoken = shown + (f" {badge}" if badge else "") + (f": {node.name}" if node.name != shown else "")
        inner = (
            f"<title>{esc(spoken)}</title>"
            f'<rect x="{x}" y="{_num(top)}" width="{_BAR}" height="{_num(h - 1)}"/>'
            f'<text x="{tx}" y="{_num(top + min(h, 2 * _UNIT) / 2 + 4)}" text-anchor="{anchor}">{label}'
            + (f' <tspan class="badge">{esc(badge)}</tspan>' if badge else "")
            + "</text>"
        )
        lang = f' lang="{esc(node.lang)}"' if node.lang else ""
        if node.href:
            return f'<a class="{cls}" href="{esc(node.href)}" aria-label="{esc(spoken)}"{lang}>{inner}</a>'
        return f'<g class="{cls}"{lang}>{inner}</g>'

    parts.append('<g class="nodes">')
    for node in left:
        top, h = lplace[node.key]
        badge = split_text.format(n=len(out_peers[node.key])) if node.key in splits else None
        parts.append(box(node, top, h, x0, "left", badge))
    for node in right:
        top, h = rplace[node.key]
        badge = merge_text.format(n=len(in_peers[node.key])) if node.key in merges else None
        parts.append(box(node, top, h, x1, "right", badge))
    parts.append("</g></svg>")
    return FlowLayout("".join(parts), len(left) + len(right), len(bands), merges, splits)


@dataclass(frozen=True)
class Bar:
    """One category of a bar chart: its label, its values (one per series; None: no value) and its page."""

    label: str
    values: tuple[float | None, ...]
    href: str | None = None


_CW = 640  # chart width
_CLABEL = 210  # room for category labels
_CBAR = 16  # one bar's height
_CGAP = 10  # between categories


def bar_chart_svg(bars: Sequence[Bar], series: Sequence[str], *, title: str, desc: str, ident: str, missing: str = "–") -> str:
    """Horizontal bars, one group per category and one bar per series, scaled to the largest value.

    Each bar's value is written beside it; a missing value (None) is written as ``missing`` with no bar.
    A category with a page is a link (and then the chart is a ``role="group"``, else an ``img``).
    """
    values = [v for b in bars for v in b.values if v is not None]
    top_value = max([*values, 0.0])
    legend = len(series) > 1
    y = 8 + (22 if legend else 0)
    room = _CW - _CLABEL - 70
    links = any(b.href for b in bars)
    body: list[str] = []
    if legend:
        x = _CLABEL
        for i, name in enumerate(series):
            body.append(f'<rect class="s{i % 6}" x="{x}" y="8" width="12" height="12"/>')
            body.append(f'<text class="legend" x="{x + 16}" y="18">{esc(shorten(name, 34))}</text>')
            x += 24 + 7 * min(len(name), 34)
    for bar in bars:
        block = len(series) * _CBAR
        shown = shorten(bar.label, 30)
        label = esc(shown)
        spoken = (
            shown
            + (f" ({bar.label})" if shown != bar.label else "")
            + ": "
            + ", ".join(
                (f"{s}: " if legend else "") + (_num(v) if v is not None else missing)
                for s, v in zip(series, bar.values, strict=False)
            )
        )
        cat = f'<text class="cat" x="{_CLABEL - 8}" y="{_num(y + block / 2 + 4)}" text-anchor="end">{label}</text>'
        if bar.href:
            cat = f'<a href="{esc(bar.href)}" aria-label="{esc(spoken)}">{cat}</a>'
        rows = [cat]
        for i, value in enumerate(bar.values):
            by = y + i * _CBAR
            if value is not None and top_value > 0:
                w = max(1.0, room * value / top_value) if value > 0 else 0.0
                rows.append(
                    f'<rect class="bar s{i % 6}" x="{_CLABEL}" y="{_num(by + 1)}" width="{_num(w)}" height="{_CBAR - 2}">'
                    f"<title>{esc(spoken)}</title></rect>"
                )
            else:
                w = 0.0
            shown = _num(value) if value is not None else missing
            rows.append(f'<text class="val" x="{_num(_CLABEL + w + 4)}" y="{_num(by + _CBAR - 4)}">{esc(shown)}</text>')
        body.append(f'<g class="category">{"".join(rows)}</g>')
        y += block + _CGAP
    height = int(y + 4)
    head = _head("chart", _CW, height, "group" if links else "img", title, desc, ident)
    return head + "".join(body) + "</svg>"


@dataclass(frozen=True)
class Line:
    """One series of a line chart: its name, its page, and a value per x position (None: no value)."""

    label: str
    values: tuple[float | None, ...]
    href: str | None = None


_LW = 640  # line chart width
_LLEFT = 56  # room for the y axis
_LRIGHT = 200  # room for the series' names at the lines' ends
_LPLOT = 260  # plot height


def line_chart_svg(
    lines: Sequence[Line], xs: Sequence[float], x_labels: Sequence[str], *, title: str, desc: str, ident: str
) -> str:
    """A line per series over ``xs`` (years: spaced as far apart as they are), from zero to the largest value.

    Each point is a circle with its value as a tooltip; a missing value breaks the line there. Each
    series is named at its last point (a link where it has a page).
    """
    values = [v for line in lines for v in line.values if v is not None]
    top_value = max([*values, 0.0]) or 1.0
    lo, hi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    span = (hi - lo) or 1.0
    plot_w = _LW - _LLEFT - _LRIGHT
    y0 = 12 + _LPLOT

    def px(x: float) -> float:
        return _LLEFT + plot_w * (x - lo) / span

    def py(v: float) -> float:
        return y0 - _LPLOT * v / top_value

    body = [f'<line class="axis" x1="{_LLEFT}" y1="{y0}" x2="{_LLEFT + plot_w}" y2="{y0}"/>']
    for i in range(5):  # the y axis: 0, ¼, ½, ¾ and all of the largest value
        v = top_value * i / 4
        body.append(f'<line class="grid" x1="{_LLEFT}" y1="{_num(py(v))}" x2="{_LLEFT + plot_w}" y2="{_num(py(v))}"/>')
        body.append(f'<text class="val" x="{_LLEFT - 6}" y="{_num(py(v) + 4)}" text-anchor="end">{esc(_num(round(v, 1)))}</text>')
    for x, label in zip(xs, x_labels, strict=False):
        body.append(f'<text class="val" x="{_num(px(x))}" y="{y0 + 16}" text-anchor="middle">{esc(label)}</text>')
    ends: list[float] = []
    for i, line in enumerate(lines):
        segment: list[str] = []
        points: list[str] = []
        last: tuple[float, float] | None = None
        for x, label, value in zip(xs, x_labels, line.values, strict=False):
            if value is None:
                if len(segment) > 1:
                    points.append(f'<polyline class="line s{i % 6}" points="{" ".join(segment)}"/>')
                segment = []
                continue
            segment.append(f"{_num(px(x))},{_num(py(value))}")
            last = (px(x), py(value))
            points.append(
                f'<circle class="point s{i % 6}" cx="{_num(px(x))}" cy="{_num(py(value))}" r="3.5">'
                f"<title>{esc(line.label)}, {esc(label)}: {esc(_num(value))}</title></circle>"
            )
        if len(segment) > 1:
            points.append(f'<polyline class="line s{i % 6}" points="{" ".join(segment)}"/>')
        if last is not None:
            y = last[1] + 4
            for taken in sorted(ends):  # keep the names at the lines' ends apart
                if abs(taken - y) < 13:
                    y = taken + 13
            ends.append(y)
            shown = shorten(line.label, 28)
            name = f'<text class="cat s-text{i % 6}" x="{_num(last[0] + 8)}" y="{_num(y)}">{esc(shown)}</text>'
            if line.href:
                spoken = (
                    shown
                    + (f" ({line.label})" if shown != line.label else "")
                    + ": "
                    + ", ".join(f"{lab} {_num(v)}" for lab, v in zip(x_labels, line.values, strict=False) if v is not None)
                )
                name = f'<a href="{esc(line.href)}" aria-label="{esc(spoken)}">{name}</a>'
            points.append(name)
        body.append(f'<g class="series">{"".join(points)}</g>')
    height = int(y0 + 26)
    role = "group" if any(line.href for line in lines) else "img"
    head = _head("chart line-chart", _LW, height, role, title, desc, ident)
    return head + "".join(body) + "</svg>"
