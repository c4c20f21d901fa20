"""The pictures over the repository's own data: what each draws equals what the data holds (counted here with
rdflib over the data and its derived layer, or over the transcription records), and its table says the same.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.server import Settings, create_app

REPO = Path(__file__).resolve().parents[2]
BASE = "https://w3id.org/k2020graph/"
K2 = Namespace(BASE + "def#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
ORG = Namespace("http://www.w3.org/ns/org#")
PLAN_K2020 = URIRef(BASE + "id/plan/k2020")
CONCEPT = BASE + "id/concept/"
SVG = "{http://www.w3.org/2000/svg}"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def repo_kg() -> KnowledgeGraph:
    return KnowledgeGraph.load(Project.at(REPO))


@pytest.fixture(scope="module")
def graph(repo_kg: KnowledgeGraph) -> Graph:
    return repo_kg.data_and_derived_graph


@pytest.fixture(scope="module")
def repo_client(repo_kg: KnowledgeGraph) -> Iterator[TestClient]:
    with TestClient(create_app(repo_kg, Settings(workers=1))) as c:
        yield c


def path_of(iri: object) -> str:
    return "/" + str(iri)[len(BASE) :]


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", page, re.S)]


def cls(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def svg_nodes(svg: ET.Element, side: str) -> list[str]:
    return [el.get("href") or "" for el in svg.iter() if {"node", side} <= cls(el)]


class Tables(HTMLParser):
    """The rows of each table with an id: per cell, its text and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, list[str]]]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id"):
            self._table = a["id"]
            self.tables[self._table] = []
        elif self._table and tag == "tr":
            self.tables[self._table].append([])
        elif self._table and tag in ("td", "th"):
            self._cell, self._links = [], []
        elif self._cell is not None and tag == "a":
            self._links.append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append(("".join(self._cell).strip(), self._links))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> dict[str, list[list[tuple[str, list[str]]]]]:
    parser = Tables()
    parser.feed(page)
    return {k: rows[1:] for k, rows in parser.tables.items()}  # without the heading row


def k2020_tiltak(graph: Graph) -> set[URIRef]:
    return {t for t in graph.subjects(K2.inPlan, PLAN_K2020) if (t, RDF.type, K2.Tiltak) in graph}


def test_lineage_draws_every_continuation_of_the_records(repo_client: TestClient, graph: Graph) -> None:
    # from the transcription records (k2:Continuation), not from the derived k2:continuesAs the page reads
    pairs = {
        (path_of(graph.value(c, K2.fromTiltak)), path_of(graph.value(c, K2.toTiltak)))
        for c in graph.subjects(RDF.type, K2.Continuation)
        if graph.value(c, K2.fromTiltak) in k2020_tiltak(graph)
    }
    assert len(pairs) > 20
    page = repo_client.get("/lineage", headers=HTML)
    assert page.status_code == 200
    (svg,) = svgs(page.text)
    left, right = svg_nodes(svg, "left"), svg_nodes(svg, "right")
    assert sorted(left) == sorted({a for a, _ in pairs})
    assert sorted(right) == sorted({b for _, b in pairs})
    assert len([el for el in svg.iter(SVG + "path") if "band" in cls(el)]) == len(pairs)
    sources = Counter(b for _, b in pairs)
    targets = Counter(a for a, _ in pairs)
    merges = [el.get("href") for el in svg.iter() if {"node", "merge"} <= cls(el)]
    splits = [el.get("href") for el in svg.iter() if {"node", "split"} <= cls(el)]
    assert sorted(merges) == sorted(b for b, n in sources.items() if n > 1) and merges
    assert sorted(splits) == sorted(a for a, n in targets.items() if n > 1) and splits
    # the table says the same: one row per continuation
    rows = tables(page.text)["lineage-table"]
    assert {(row[0][1][0], row[2][1][0]) for row in rows} == pairs and len(rows) == len(pairs)
    summary = re.search(r'id="lineage-summary">([^<]*)<', page.text)
    assert summary is not None
    assert re.findall(r"\d+", re.sub(r"K20\d\d", "", summary.group(1))) == [
        str(n) for n in (len(left), len(right), len(pairs), len(merges), len(splits))
    ]


def test_lineage_lists_the_tiltak_not_continued_and_not_stated(repo_client: TestClient, graph: Graph) -> None:
    page = repo_client.get("/lineage", headers=HTML).text
    others = page[page.index('id="lineage-others"') :]
    for key, concept in (("dia_not_continued", "continuation-no"), ("dia_not_stated", "continuation-not-stated")):
        expected = sorted(
            path_of(t)
            for t in k2020_tiltak(graph)
            if (t, K2.continuationStatus, URIRef(CONCEPT + concept)) in graph and (t, K2.continuesAs, None) not in graph
        )
        section = others[others.index(f'id="{key}"') :]
        section = section[: section.find("<h3", 5)] if "<h3" in section[5:] else section
        assert sorted(re.findall(r'href="(/id/tiltak/[^"]+)"', section)) == expected
        assert f"({len(expected)})" in section


def test_lineage_in_english(repo_client: TestClient) -> None:
    page = repo_client.get("/lineage?lang=en", headers=HTML).text
    (svg,) = svgs(page)
    assert svg.get("aria-label") == "From K2020 to K2025: which tiltak continue as what"
    assert '<html lang="en">' in page and "Not continued" in page


def test_funding_flows_per_grantor_and_recipient(repo_client: TestClient, graph: Graph) -> None:
    per_pair: Counter[tuple[str, str]] = Counter()
    for flow in graph.subjects(RDF.type, K2.FundingFlow):
        grantor, recipient = graph.value(flow, K2.grantor), graph.value(flow, K2.recipient)
        if grantor is not None and recipient is not None:
            per_pair[(path_of(grantor), path_of(recipient))] += 1
    page = repo_client.get("/funding?lang=nb", headers=HTML)
    assert page.status_code == 200
    (svg,) = svgs(page.text)
    assert sorted(svg_nodes(svg, "left")) == sorted({g for g, _ in per_pair})
    assert sorted(svg_nodes(svg, "right")) == sorted({r for _, r in per_pair})
    assert len([el for el in svg.iter(SVG + "path") if "band" in cls(el)]) == len(per_pair)
    rows = tables(page.text)["funding-table"]
    assert {(row[0][1][0], row[1][1][0]): int(row[2][0]) for row in rows} == dict(per_pair)
    known = sum(1 for f in graph.subjects(RDF.type, K2.FundingFlow) if (f, K2.amount, None) in graph)
    assert f"{known} av {sum(per_pair.values())}" in page.text  # the note: amounts given for few, never invented


def test_a_grant_scheme_page_draws_the_flows_through_it(repo_client: TestClient, graph: Graph) -> None:
    scheme = URIRef(BASE + "id/scheme/kommunalt-kompetanse-og-innovasjonstilskudd")
    per_pair: Counter[tuple[str, str]] = Counter()
    for flow in graph.subjects(RDF.type, K2.FundingFlow):
        stated = set(graph.objects(flow, K2.viaScheme))
        through_tiltak = {s for t in graph.objects(flow, K2.forTiltak) for s in graph.objects(t, K2.grantScheme)}
        if scheme in (stated or through_tiltak):  # the flow's own scheme first, else its tiltak's
            grantor, recipient = graph.value(flow, K2.grantor), graph.value(flow, K2.recipient)
            if grantor is not None and recipient is not None:
                per_pair[(path_of(grantor), path_of(recipient))] += 1
    assert per_pair
    page = repo_client.get(path_of(scheme), headers=HTML).text
    (svg,) = [s for s in svgs(page) if s.get("id") == "chart-funding"]
    assert len([el for el in svg.iter(SVG + "path") if "band" in cls(el)]) == len(per_pair)
    rows = tables(page)["chart-funding-table"]
    assert {(row[0][1][0], row[1][1][0]): int(row[2][0]) for row in rows} == dict(per_pair)


def test_strategy_page_counts_its_tiltak_per_status_and_continuation(repo_client: TestClient, graph: Graph) -> None:
    strategy = URIRef(BASE + "id/strategy/k2020-3")
    members = {t for t in graph.subjects(K2.strategy, strategy) if (t, RDF.type, K2.Tiltak) in graph}
    members |= {t for t in graph.subjects(K2.inferredStrategy, strategy) if (t, RDF.type, K2.Tiltak) in graph}
    page = repo_client.get(path_of(strategy), headers=HTML).text
    found = tables(page)
    for key, prop in (("chart-status", K2.tiltakStatus), ("chart-continuation", K2.continuationStatus)):
        expected = Counter(min((str(v) for v in graph.objects(t, prop)), default="") for t in members)
        rows = found[key + "-table"]
        shown = {(row[0][1][0] if row[0][1] else ""): int(row[1][0]) for row in rows}
        assert {path_of(k) if k else "": n for k, n in expected.items()} == shown
        (svg,) = [s for s in svgs(page) if s.get("id") == key]
        assert len([el for el in svg.iter(SVG + "rect") if "bar" in cls(el)]) == len(expected)
        assert svg.get("role") == "group" and svg.get("aria-label")


def test_actor_page_counts_its_tiltak_by_continuation(repo_client: TestClient, graph: Graph) -> None:
    actor = URIRef(BASE + "id/actor/hdir-ph")
    members = {t for t in graph.subjects(K2.responsibleActor, actor) if (t, RDF.type, K2.Tiltak) in graph}
    members |= {
        t
        for unit in graph.subjects(ORG.unitOf, actor)
        for t in graph.subjects(K2.responsibleActor, unit)
        if (t, RDF.type, K2.Tiltak) in graph
    }
    assert members
    rows = tables(repo_client.get(path_of(actor), headers=HTML).text)["chart-actor-table"]
    assert sum(int(row[1][0]) for row in rows) == len(members)
    assert sorted(href for row in rows for href in row[2][1]) == sorted(path_of(t) for t in members)


def test_a_statistics_table_as_the_source_had_it(repo_client: TestClient, graph: Graph) -> None:
    dataset = URIRef(BASE + "id/cube/seed002-tabell-01")
    observations = list(graph.subjects(QB.dataSet, dataset))
    county = {o: graph.value(o, K2.county) for o in observations}
    values = {(path_of(county[o]), str(graph.value(o, SDMX_MEASURE.obsValue))) for o in observations}
    rows_expected = set(county.values())
    totals = {r for r in rows_expected if any((other, SKOS.broader, r) in graph for other in rows_expected)}
    assert len(observations) == 38 and len(totals) == 1  # the file's header: 18 counties and "Total", 2 columns
    page = repo_client.get(path_of(dataset), headers=HTML).text
    rows = tables(page)["chart-dataset-table"]
    assert len(rows) == len(rows_expected) and all(len(r) == 3 for r in rows)
    assert {(row[0][1][0], cell[0]) for row in rows for cell in row[1:]} == values
    assert rows[0][0][0] == "Østfold"  # the source's order
    (svg,) = [s for s in svgs(page) if s.get("id") == "chart-dataset"]
    bars = [el for el in svg.iter(SVG + "rect") if "bar" in cls(el)]
    assert len(bars) == 2 * (len(rows_expected) - len(totals))  # the total is in the table only


def test_a_table_over_several_years_as_lines(repo_client: TestClient, graph: Graph) -> None:
    dataset = URIRef(BASE + "id/cube/seed002-tabell-03")
    observations = list(graph.subjects(QB.dataSet, dataset))
    rows = {graph.value(o, K2.education) for o in observations}
    totals = {r for r in rows if any((other, SKOS.broader, r) in graph for other in rows)}
    years = {graph.value(graph.value(o, K2.refYear), SKOS.notation) for o in observations}
    assert len(years) >= 3
    page = repo_client.get(path_of(dataset), headers=HTML).text
    (svg,) = [s for s in svgs(page) if s.get("id") == "chart-dataset"]
    series = [el for el in svg.iter(SVG + "g") if "series" in cls(el)]
    assert len(series) == len(rows - totals)
    points = [el for el in svg.iter(SVG + "circle") if "point" in cls(el)]
    assert len(points) == sum(1 for o in observations if graph.value(o, K2.education) not in totals)
    assert len(tables(page)["chart-dataset-table"]) == len(rows)


def test_pages_without_charts_have_none(repo_client: TestClient) -> None:
    page = repo_client.get("/id/tiltak/k2020-3.14", headers=HTML).text
    assert "<svg" not in page and 'id="charts"' not in page


def test_home_links_the_pictures(repo_client: TestClient) -> None:
    page = repo_client.get("/", headers=HTML).text
    assert 'href="/lineage"' in page and 'href="/funding"' in page


def test_head_on_the_picture_pages(repo_client: TestClient) -> None:
    for path in ("/lineage", "/funding"):
        r = repo_client.head(path, headers=HTML)
        assert r.status_code == 200 and r.content == b""


def test_the_lineage_is_built_again_after_a_change_of_the_data(mini_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(mini_root, root)
    app = create_app(KnowledgeGraph.load(Project.at(root)), Settings(timeout=5, workers=1, max_workers=1))
    with TestClient(app) as c:

        def bands() -> int:
            (svg,) = svgs(c.get("/lineage", headers=HTML).text)
            return len([el for el in svg.iter(SVG + "path") if "band" in cls(el)])

        before = bands()
        assert bands() == before  # remembered: the same
        (root / "data/turtle/extra.ttl").write_text(
            "@prefix k2: <https://w3id.org/k2020graph/def#> .\n"
            "<https://w3id.org/k2020graph/id/tiltak/k2020-9.9> a k2:Tiltak ;\n"
            "    k2:inPlan <https://w3id.org/k2020graph/id/plan/k2020> ;\n"
            "    k2:continuesAs <https://w3id.org/k2020graph/id/tiltak/k2025-1.10> .\n",
            encoding="utf-8",
        )
        app.state.k2020.replace_data(KnowledgeGraph.load(Project.at(root)))
        assert bands() == before + 1
