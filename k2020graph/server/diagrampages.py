"""The site's pictures: the K2020→K2025 lineage (``/lineage``), the funding flows (``/funding``) and the
small charts on strategy, actor, grant scheme and statistics data set pages.

Each picture is computed here from the served store (small, bounded queries over the direct layer:
``k2:continuesAs``, ``k2:continuationStatus``, ``k2:tiltakStatus``, ``k2:responsibleActor``,
``k2:grantScheme``; the funding flows; the Data Cube observations), drawn by the pure functions of
:mod:`k2020graph.diagrams`, and shown with the same facts as a table. Nothing is hard-coded: a
continuation, a flow or a cell that the data does not hold is not drawn.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from ..diagrams import Band, Bar, Line, Node, bar_chart_svg, flow_svg, line_chart_svg
from . import tables
from .context import Context
from .linkeddata import Site, choose_lang
from .texts import text
from .views import SKOS, Labeller, TermView, natural_key

QB = "http://purl.org/linked-data/cube#"


@dataclass
class Table:
    """A picture's text alternative: column headings and rows of cells (each a list of terms or a text)."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # columns of numbers (right-aligned)


@dataclass
class Chart:
    """A picture with its heading, a line under it and its table."""

    key: str
    title: str
    svg: str
    table: Table
    note: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # what the picture holds (nodes, bands, bars)


def _values(solution: ox.QuerySolution, name: str) -> str | None:
    node = solution[name]
    return node.value if node is not None else None


def _name(labels: Labeller, iri: str, lang: str) -> str | None:
    return labels.text_of(iri, labels.k2 + "name", lang)


def _name_terms(labels: Labeller, iri: str, lang: str) -> list[TermView]:
    """A tiltak's name as a table cell: the page's language first, with its lang attribute where it differs."""
    best = labels.pick(labels.literals(iri, labels.k2 + "name"), lang)
    # a name, not a literal on show: no language tag after it, only the lang attribute where it differs
    return [TermView("literal", best.value, lang_attr=labels.foreign(best.language, lang))] if best is not None else []


def _notation(labels: Labeller, iri: str) -> str | None:
    values = labels.literals(iri, SKOS + "notation")
    return values[0].value if values else None


def _group_title(labels: Labeller, iri: str | None, lang: str) -> str:
    """A strategy or strategic area as "3 Kvalitet og mangfold" (its number and its own name)."""
    if iri is None:
        return text("dia_no_strategy", lang)
    number = _notation(labels, iri)
    name = labels.text_of(iri, SKOS + "prefLabel", lang)
    if number and name:
        return f"{number} {name}"
    return labels.display(iri, lang)


def _tiltak_label(labels: Labeller, iri: str, lang: str) -> tuple[str, str]:
    """A tiltak as shown ("3.14 Styrking av …") and as read out ("K2020-tiltak 3.14: Styrking av …")."""
    number = _notation(labels, iri) or labels.display(iri, lang)
    name = _name(labels, iri, lang)
    full = labels.display(iri, lang)
    return (f"{number} {name}" if name else number), (f"{full}: {name}" if name else full)


def _term(labels: Labeller, iri: str | None, lang: str) -> TermView | None:
    return labels.term(ox.NamedNode(iri), lang) if iri else None


# -- the lineage -------------------------------------------------------------------------------------

LINEAGE_QUERY = """
SELECT ?tiltak ?strategy ?status ?k2025 ?area ?twin WHERE {
  ?tiltak a k2:Tiltak ; k2:inPlan ?plan .
  OPTIONAL { ?tiltak k2:strategy ?strategy }
  OPTIONAL { ?tiltak k2:continuationStatus ?status }
  OPTIONAL { ?tiltak k2:continuesAs ?k2025 . OPTIONAL { ?k2025 k2:strategy|k2:inferredStrategy ?area } }
  OPTIONAL { ?tiltak k2:crossListedWith ?twin }
}"""


@dataclass
class Lineage:
    chart: Chart
    continued: int  # K2020 tiltak with at least one K2025 number
    k2025: int
    links: int
    merges: int
    splits: int
    others: list[tuple[str, str, list[tuple[TermView, str]]]]  # (key, heading, [(tiltak, note)]): not continued …


def lineage(site: Site, lang: str) -> Lineage:
    labels = site.labels
    ctx = site.ctx
    strategy: dict[str, str | None] = {}
    status: dict[str, set[str]] = defaultdict(set)
    targets: dict[str, set[str]] = defaultdict(set)
    area: dict[str, str | None] = {}
    twins: dict[str, set[str]] = defaultdict(set)
    for row in site.select(LINEAGE_QUERY, plan=ox.NamedNode(ctx.prefixes["plan"] + "k2020")):
        t = _values(row, "tiltak")
        if t is None:
            continue
        strategy.setdefault(t, _values(row, "strategy"))
        if (s := _values(row, "status")) is not None:
            status[t].add(s)
        if (k := _values(row, "k2025")) is not None:
            targets[t].add(k)
            area.setdefault(k, _values(row, "area"))
        if (w := _values(row, "twin")) is not None:
            twins[t].add(w)
    continued = sorted((t for t in strategy if targets[t]), key=lambda t: (natural_key(strategy[t] or "~"), natural_key(t)))
    k2025 = sorted(area, key=lambda k: (natural_key(area[k] or "~"), natural_key(k)))
    sources: dict[str, set[str]] = defaultdict(set)
    for t in continued:
        for k in targets[t]:
            sources[k].add(t)

    left, right, bands = [], [], []
    left_groups: dict[str, str] = {}
    right_groups: dict[str, str] = {}
    shown: dict[str, tuple[str, str]] = {}
    for t in continued:
        group = strategy[t] or ""
        left_groups.setdefault(group, _group_title(labels, strategy[t], lang))
        shown[t] = _tiltak_label(labels, t, lang)
        left.append(Node(t, shown[t][0], shown[t][1], group, labels.href(t)[0]))
    for k in k2025:
        group = area[k] or ""
        right_groups.setdefault(group, _group_title(labels, area[k], lang))
        shown[k] = _tiltak_label(labels, k, lang)
        right.append(Node(k, shown[k][0], shown[k][1], group, labels.href(k)[0]))
    for t in continued:
        for k in sorted(targets[t], key=natural_key):
            bands.append(Band(t, k, 1, f"{shown[t][1]} → {shown[k][1]}"))
    n_links = len(bands)
    layout = flow_svg(
        left,
        right,
        bands,
        left_groups=left_groups,
        right_groups=right_groups,
        title=text("dia_lineage_title", lang),
        desc=text("dia_lineage_desc", lang, tiltak=len(continued), k2025=len(k2025), links=n_links),
        ident="lineage",
        merge_text=text("dia_merge_badge", lang),
        split_text=text("dia_split_badge", lang),
    )
    table = Table([text(c, lang) for c in ("dia_col_k2020", "dia_col_strategy", "dia_col_k2025", "dia_col_area", "dia_col_note")])
    for t in continued:
        for k in sorted(targets[t], key=natural_key):
            notes = []
            if len(targets[t]) > 1:
                notes.append(text("dia_note_split", lang, n=len(targets[t])))
            if len(sources[k]) > 1:
                notes.append(text("dia_note_merge", lang, n=len(sources[k])))
            for w in sorted(twins[t], key=natural_key):
                notes.append(text("dia_note_twin", lang, other=labels.display(w, lang)))
            table.rows.append(
                [
                    [labels.term(ox.NamedNode(t), lang)],
                    _name_terms(labels, t, lang),
                    [labels.term(ox.NamedNode(k), lang)],
                    _group_title(labels, area[k], lang) if area[k] else "",
                    "; ".join(notes),
                ]
            )
    chart = Chart("lineage", text("dia_lineage_title", lang), layout.svg, table)
    chart.counts = {"nodes": layout.nodes, "bands": layout.bands}

    others: list[tuple[str, str, list[tuple[TermView, str]]]] = []
    concept = ctx.prefixes["concept"]

    def listed(members: list[str]) -> list[tuple[TermView, str]]:
        """The tiltak with a note naming a cross-listed twin (whose continuation may be in the picture)."""
        return [
            (
                labels.term(ox.NamedNode(t), lang),
                "; ".join(text("dia_note_twin", lang, other=labels.display(w, lang)) for w in sorted(twins[t], key=natural_key)),
            )
            for t in sorted(members, key=natural_key)
        ]

    answered = {concept + "continuation-no", concept + "continuation-not-stated"}
    for key, iri in (("dia_not_continued", "continuation-no"), ("dia_not_stated", "continuation-not-stated")):
        members = [t for t in strategy if not targets[t] and concept + iri in status[t]]
        others.append((key, text(key, lang, n=len(members)), listed(members)))
    rest = [t for t in strategy if not targets[t] and not status[t] & answered]
    if rest:
        others.append(("dia_no_k2025", text("dia_no_k2025", lang, n=len(rest)), listed(rest)))
    return Lineage(chart, len(continued), len(k2025), n_links, len(layout.merges), len(layout.splits), others)


# -- funding flows -----------------------------------------------------------------------------------

FLOWS_QUERY = """
SELECT ?flow ?grantor ?recipient ?scheme ?tiltak ?tiltakScheme ?amount WHERE {
  ?flow a k2:FundingFlow .
  OPTIONAL { ?flow k2:grantor ?grantor }
  OPTIONAL { ?flow k2:recipient ?recipient }
  OPTIONAL { ?flow k2:viaScheme ?scheme }
  OPTIONAL { ?flow k2:forTiltak ?tiltak . OPTIONAL { ?tiltak k2:grantScheme ?tiltakScheme } }
  OPTIONAL { ?flow k2:amount ?amount }
}"""


@dataclass
class Flow:
    iri: str
    grantor: str | None = None
    recipient: str | None = None
    schemes: set[str] = field(default_factory=set)  # stated on the flow
    tiltak_schemes: set[str] = field(default_factory=set)  # the tiltak's grant schemes
    tiltak: set[str] = field(default_factory=set)
    amounts: set[str] = field(default_factory=set)

    @property
    def all_schemes(self) -> set[str]:
        return self.schemes or self.tiltak_schemes


def flows(site: Site) -> list[Flow]:
    found: dict[str, Flow] = {}
    for row in site.select(FLOWS_QUERY):
        iri = _values(row, "flow")
        if iri is None:
            continue
        flow = found.setdefault(iri, Flow(iri))
        flow.grantor = flow.grantor or _values(row, "grantor")
        flow.recipient = flow.recipient or _values(row, "recipient")
        for name, target in (
            ("scheme", flow.schemes),
            ("tiltakScheme", flow.tiltak_schemes),
            ("tiltak", flow.tiltak),
            ("amount", flow.amounts),
        ):
            if (v := _values(row, name)) is not None:
                target.add(v)
    return sorted(found.values(), key=lambda f: natural_key(f.iri))


def funding_chart(site: Site, lang: str, scheme: str | None = None, ident: str = "funding") -> Chart | None:
    """Grantor → recipient, one band per pair, as wide as its number of flows (of ``scheme`` only, if given)."""
    labels = site.labels
    chosen = [f for f in flows(site) if f.grantor and f.recipient and (scheme is None or scheme in f.all_schemes)]
    if not chosen:
        return None
    pairs: dict[tuple[str, str], list[Flow]] = defaultdict(list)
    for f in chosen:
        assert f.grantor is not None and f.recipient is not None
        pairs[(f.grantor, f.recipient)].append(f)
    given: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    for (g, r), fs in pairs.items():
        given[g] += len(fs)
        got[r] += len(fs)

    def node(iri: str, group: str) -> Node:
        name = labels.display(iri, lang)
        return Node(iri, name, name, group, labels.href(iri)[0], labels.foreign(labels.label_language(iri, lang), lang))

    left = [node(g, "g") for g in sorted(given, key=lambda g: (-given[g], labels.display(g, lang)))]
    right = [node(r, "r") for r in sorted(got, key=lambda r: (-got[r], labels.display(r, lang)))]
    bands = [
        Band(
            g,
            r,
            len(fs),
            text("dia_band_flows", lang, grantor=labels.display(g, lang), recipient=labels.display(r, lang), n=len(fs)),
        )
        for (g, r), fs in pairs.items()
    ]
    title = (
        text("dia_funding_title", lang)
        if scheme is None
        else text("dia_funding_scheme_title", lang, scheme=labels.display(scheme, lang))
    )
    amounts = sum(1 for f in chosen if f.amounts)
    layout = flow_svg(
        left,
        right,
        bands,
        left_groups={"g": text("dia_grantor", lang)},
        right_groups={"r": text("dia_recipient", lang)},
        title=title,
        desc=text("dia_funding_desc", lang, flows=len(chosen), grantors=len(left), recipients=len(right), amounts=amounts),
        ident=ident,
        mark_merges=False,
    )
    table = Table(
        [
            text(c, lang)
            for c in ("dia_grantor", "dia_recipient", "dia_col_flows", "dia_col_schemes", "dia_col_tiltak", "dia_col_amount")
        ],
        numeric={2},
    )
    for (g, r), fs in sorted(
        pairs.items(), key=lambda kv: (-len(kv[1]), labels.display(kv[0][0], lang), labels.display(kv[0][1], lang))
    ):
        stated = sorted({s for f in fs for s in f.schemes}, key=natural_key)
        via_tiltak = sorted({s for f in fs if not f.schemes for s in f.tiltak_schemes} - set(stated), key=natural_key)
        schemes: list[Any] = [labels.term(ox.NamedNode(s), lang) for s in stated]
        schemes += [labels.term(ox.NamedNode(s), lang) for s in via_tiltak]
        tiltak = [labels.term(ox.NamedNode(t), lang) for t in sorted({t for f in fs for t in f.tiltak}, key=natural_key)]
        known = [a for f in fs for a in sorted(f.amounts)]
        amount = ", ".join(known) if known else text("dia_amount_unknown", lang)
        table.rows.append(
            [[labels.term(ox.NamedNode(g), lang)], [labels.term(ox.NamedNode(r), lang)], str(len(fs)), schemes, tiltak, amount]
        )
    note = text("dia_funding_note", lang, flows=len(chosen), amounts=amounts)
    return Chart(ident, title, layout.svg, table, note, {"nodes": layout.nodes, "bands": layout.bands})


# -- small charts on resource pages ------------------------------------------------------------------


def _count_chart(
    site: Site, lang: str, ident: str, title_key: str, members: dict[str, str | None], category_title: str
) -> Chart | None:
    """Tiltak counted per category (a concept, or None: not given), as bars with the tiltak in the table."""
    labels = site.labels
    if not members:
        return None
    groups: dict[str | None, list[str]] = defaultdict(list)
    for t, c in members.items():
        groups[c].append(t)
    order = sorted(groups, key=lambda c: (c is None, -len(groups[c]), labels.display(c, lang) if c else ""))
    bars = [
        Bar(
            labels.display(c, lang) if c else text("dia_not_given", lang),
            (float(len(groups[c])),),
            labels.href(c)[0] if c else None,
        )
        for c in order
    ]
    title = text(title_key, lang)
    svg = bar_chart_svg(
        bars, [text("dia_col_count", lang)], title=title, desc=text("dia_count_desc", lang, n=len(members)), ident=ident
    )
    table = Table([category_title, text("dia_col_count", lang), text("dia_col_tiltak", lang)], numeric={1})
    for c in order:
        category: Any = [labels.term(ox.NamedNode(c), lang)] if c else text("dia_not_given", lang)
        table.rows.append(
            [category, str(len(groups[c])), [labels.term(ox.NamedNode(t), lang) for t in sorted(groups[c], key=natural_key)]]
        )
    return Chart(ident, title, svg, table, counts={"bars": len(bars)})


def _one_per_tiltak(site: Site, where: str, iri: str) -> dict[str, str | None]:
    """``?tiltak`` → ``?category`` (one each; where a tiltak has several, the first by IRI)."""
    out: dict[str, str | None] = {}
    for row in site.select(f"SELECT ?tiltak ?category WHERE {{ {where} }} ORDER BY ?tiltak ?category", this=ox.NamedNode(iri)):
        t = _values(row, "tiltak")
        if t is not None and (t not in out or out[t] is None):
            out[t] = _values(row, "category")
    return out


STRATEGY_TILTAK = "?tiltak a k2:Tiltak . { ?tiltak k2:strategy ?this } UNION { ?tiltak k2:inferredStrategy ?this } "
ACTOR_TILTAK = "?tiltak a k2:Tiltak ; k2:responsibleActor ?actor . ?actor org:unitOf? ?this . "


def strategy_charts(site: Site, iri: str, lang: str) -> list[Chart]:
    charts = []
    status = _one_per_tiltak(site, STRATEGY_TILTAK + "OPTIONAL { ?tiltak k2:tiltakStatus ?category }", iri)
    cont = _one_per_tiltak(site, STRATEGY_TILTAK + "OPTIONAL { ?tiltak k2:continuationStatus ?category }", iri)
    if any(v is not None for v in status.values()):
        charts.append(_count_chart(site, lang, "chart-status", "dia_by_status", status, text("dia_col_status", lang)))
    if any(v is not None for v in cont.values()):
        charts.append(
            _count_chart(site, lang, "chart-continuation", "dia_by_continuation", cont, text("dia_col_continued", lang))
        )
    return [c for c in charts if c is not None]


def actor_charts(site: Site, iri: str, lang: str) -> list[Chart]:
    cont = _one_per_tiltak(site, ACTOR_TILTAK + "OPTIONAL { ?tiltak k2:continuationStatus ?category }", iri)
    chart = _count_chart(site, lang, "chart-actor", "dia_actor_continuation", cont, text("dia_col_continued", lang))
    return [chart] if chart else []


CUBE_QUERY = """
SELECT ?observation ?row ?year ?statistic ?value ?unit ?line ?broader WHERE {
  ?this qb:structure/qb:component/qb:dimension ?dimension .
  FILTER (?dimension NOT IN (k2:refYear, k2:statistic))
  ?observation qb:dataSet ?this ; ?dimension ?row ; k2:refYear ?yearCode ; k2:statistic ?statistic ;
      sdmx-measure:obsValue ?value .
  ?yearCode skos:notation ?year .
  OPTIONAL { ?observation sdmx-attribute:unitMeasure ?unit }
  OPTIONAL { ?observation dct:source/k2:lineStart ?line }
  OPTIONAL { ?row skos:broader ?broader }
}"""


def dataset_charts(site: Site, iri: str, lang: str) -> list[Chart]:
    """A statistics table as the source had it (rows × columns) and a bar chart of its rows (totals left out)."""
    labels = site.labels
    cells: dict[tuple[str, tuple[str, str]], str] = {}
    first: dict[str, tuple[int, tuple[Any, ...]]] = {}
    column_first: dict[tuple[str, str], tuple[int, tuple[Any, ...]]] = {}
    units: dict[tuple[str, str], str] = {}
    broader: dict[str, set[str]] = defaultdict(set)
    for row in site.select(CUBE_QUERY, this=ox.NamedNode(iri)):
        obs, r, year, stat, value = (_values(row, n) for n in ("observation", "row", "year", "statistic", "value"))
        if obs is None or r is None or year is None or stat is None or value is None:
            continue
        line = _values(row, "line")
        place = (int(line) if line and line.isdigit() else 10**9, natural_key(obs))
        column = (stat, year)
        cells[(r, column)] = value
        first[r] = min(first.get(r, place), place)
        column_first[column] = min(column_first.get(column, place), place)
        if (u := _values(row, "unit")) is not None:
            units[column] = u
        if (b := _values(row, "broader")) is not None:
            broader[r].add(b)
    if not cells:
        return []
    rows = sorted(first, key=lambda r: first[r])
    columns = sorted(column_first, key=lambda c: column_first[c])
    totals = {b for r in rows for b in broader[r] if b in first}
    years = sorted({y for _, y in columns})

    def column_name(c: tuple[str, str]) -> str:
        return labels.display(c[0], lang) + (f" {c[1]}" if len(years) > 1 else "")

    table = Table([text("dia_col_row", lang), *[column_name(c) for c in columns]], numeric=set(range(1, len(columns) + 1)))
    for r in rows:
        name: Any = [labels.term(ox.NamedNode(r), lang)]
        table.rows.append([name, *[cells.get((r, c), "–") for c in columns]])
    parts = [r for r in rows if r not in totals]

    def number(value: str | None) -> float | None:
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    unit_names = sorted({labels.display(u, lang) for u in units.values()})
    desc = text("dia_dataset_desc", lang, rows=len(parts), columns=len(columns), totals=len(totals), units=", ".join(unit_names))
    note = text("dia_dataset_note", lang, totals=len(totals)) if totals else ""
    statistics = list(dict.fromkeys(stat for stat, _ in columns))
    if len(years) >= 3 and len(statistics) == 1 and all(y.isdigit() for y in years):
        # a line per row over the years, the years spaced as far apart as they are
        title = text("dia_dataset_lines", lang, name=labels.display(iri, lang))
        lines = [
            Line(labels.display(r, lang), tuple(number(cells.get((r, (statistics[0], y)))) for y in years), labels.href(r)[0])
            for r in parts
        ]
        svg = line_chart_svg(lines, [float(y) for y in years], years, title=title, desc=desc, ident="chart-dataset")
        counts = {"lines": len(lines), "cells": len(cells), "rows": len(rows)}
    else:
        title = text("dia_dataset_chart", lang, name=labels.display(iri, lang))
        bars = [Bar(labels.display(r, lang), tuple(number(cells.get((r, c))) for c in columns), labels.href(r)[0]) for r in parts]
        svg = bar_chart_svg(bars, [column_name(c) for c in columns], title=title, desc=desc, ident="chart-dataset")
        counts = {"bars": len(bars), "cells": len(cells), "rows": len(rows)}
    return [Chart("chart-dataset", title, svg, table, note, counts)]


def charts_for(site: Site, iri: str, type_iris: set[str], lang: str) -> list[Chart]:
    """The charts of a resource page, by the resource's kind (none for most resources)."""
    k2 = site.ctx.prefixes["k2"]
    org = site.ctx.prefixes["org"]
    charts: list[Chart] = []
    if k2 + "Strategy" in type_iris:
        charts += strategy_charts(site, iri, lang)
    if type_iris & {org + "FormalOrganization", org + "OrganizationalUnit", k2 + "ActorGroup"}:
        charts += actor_charts(site, iri, lang)
    if k2 + "GrantScheme" in type_iris:
        chart = funding_chart(site, lang, scheme=iri, ident="chart-funding")
        charts += [chart] if chart else []
    if QB + "DataSet" in type_iris:
        charts += dataset_charts(site, iri, lang)
    return charts


def make_router(ctx: Context, site: Site) -> APIRouter:
    """``/lineage`` and ``/funding``: built once per data version and language (the derived memo; a write clears it)."""
    router = APIRouter(tags=["Linked data"])

    @router.get(
        "/lineage", name="lineage", response_class=HTMLResponse, summary="K2020 tiltak and the K2025 numbers they continue as"
    )
    def lineage_page(request: Request) -> Response:
        lang = choose_lang(request)
        asked = tables.wanted(request)
        built = ctx.cached(f"picture:lineage:{lang}", lambda: lineage(site, lang), lambda v: 4 * len(v.chart.svg) + 50_000)
        if asked is not None:
            return tables.download(tables.chart_table(built.chart), *asked, stem="lineage")
        links = tables.download_links(request)
        return site.render(request, "lineage.html", lang, lineage=built, links=links)

    @router.get("/funding", name="funding", response_class=HTMLResponse, summary="Funding flows: grantor to recipient")
    def funding_page(request: Request) -> Response:
        lang = choose_lang(request)
        asked = tables.wanted(request)
        chart = ctx.cached(
            f"picture:funding:{lang}", lambda: funding_chart(site, lang), lambda v: 4 * len(v.svg) + 50_000 if v else 100
        )
        if asked is not None and chart is not None:
            return tables.download(tables.chart_table(chart), *asked, stem="funding")
        return site.render(request, "funding.html", lang, chart=chart, links=tables.download_links(request))

    return router
