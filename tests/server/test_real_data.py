"""The repository's own data served: every canned query runs over HTTP, every resource has a page."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.queries import load_catalogue
from k2020graph.server import Settings, create_app
from k2020graph.store import AskResult, SelectResult
from tests.seed_readers import read_strategy_assessments

REPO = Path(__file__).resolve().parents[2]
QUERY_NAMES = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
BASE = "https://w3id.org/k2020graph/"


@pytest.fixture(scope="module")
def repo_kg() -> KnowledgeGraph:
    return KnowledgeGraph.load(Project.at(REPO))


@pytest.fixture(scope="module")
def repo_client(repo_kg: KnowledgeGraph) -> Iterator[TestClient]:
    with TestClient(create_app(repo_kg, Settings(workers=2))) as c:
        yield c


def test_queries_were_collected() -> None:
    assert len(QUERY_NAMES) >= 2


def _expected_bindings(result: SelectResult) -> list[dict[str, dict[str, str]]]:
    """The library's rows as SPARQL JSON written by rdflib's own result serialiser (not by the server's writer)."""
    written = Result("SELECT")
    written.vars = [Variable(v) for v in result.variables]
    written.bindings = [
        {Variable(v): t for v, t in zip(result.variables, row, strict=True) if t is not None} for row in result.rows
    ]
    bindings = json.loads(written.serialize(format="json"))["results"]["bindings"]
    return [{k: _strip_string_type(v) for k, v in b.items()} for b in bindings]


def _strip_string_type(binding: dict[str, str]) -> dict[str, str]:
    """xsd:string may be written out or left implicit (SPARQL 1.1 JSON allows both)."""
    return {k: v for k, v in binding.items() if not (k == "datatype" and v == str(XSD.string))}


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_canned_query_answers_over_http_what_the_library_answers(
    repo_client: TestClient, repo_kg: KnowledgeGraph, name: str
) -> None:
    """Row for row, value for value: the API's JSON and CSV equal the library's result on the same data."""
    query = load_catalogue(repo_kg.project.query_files)[name]
    result = query.run(repo_kg.store)
    r = repo_client.get(f"/api/queries/{name}")
    assert r.status_code == 200, r.text
    if isinstance(result, AskResult):
        assert r.json()["boolean"] is result.value
        return
    assert isinstance(result, SelectResult)
    got = [{k: _strip_string_type(v) for k, v in b.items()} for b in r.json()["results"]["bindings"]]
    expected = _expected_bindings(result)
    assert r.json()["head"]["vars"] == result.variables
    assert got == expected
    text = repo_client.get(f"/api/queries/{name}", params={"format": "csv"})
    assert text.status_code == 200
    rows = list(csv.reader(io.StringIO(text.text)))
    assert rows[0] == result.variables
    assert rows[1:] == [["" if t is None else str(t) for t in row] for row in result.rows]


def test_the_headline_query_has_rows(repo_client: TestClient) -> None:
    rows = repo_client.get("/api/queries/continued-into-k2025", params={"division": "PH"}).json()["results"]["bindings"]
    assert rows, "no PH tiltak continued into K2025 in data/turtle/"


def test_every_resource_has_a_page(repo_client: TestClient, repo_kg: KnowledgeGraph) -> None:
    subjects = sorted({str(s) for s in repo_kg.data_graph.subjects() if isinstance(s, URIRef) and str(s).startswith(BASE)})
    assert len(subjects) > 100
    for iri in subjects:
        r = repo_client.get("/" + iri.removeprefix(BASE), headers={"Accept": "text/html"})
        assert r.status_code == 200, iri


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_query_page_shows_the_county_breakdown(repo_client: TestClient, repo_kg: KnowledgeGraph, lang: str) -> None:
    """The county breakdown of a tiltak on the query page: its title in the page's list, its headings as the
    file's ``#+ column`` lines give them, one row per county cell with the county's name (as the library answers)."""
    path = REPO / "queries" / "county-breakdown-of-tiltak.rq"
    text = path.read_text(encoding="utf-8")
    meta = [line.split(":", 1) for line in text.splitlines() if line.startswith("#+ ")]
    title = next(v.strip() for k, v in meta if k == f"#+ title@{lang}")
    headings = [tuple(p.strip() for p in v.split("|")) for k, v in meta if k == "#+ column"]
    heading = {var: nb if lang == "nb" else en for var, nb, en in headings}
    assert title in repo_client.get("/query", params={"lang": lang}).text
    r = repo_client.get("/query", params={"name": "county-breakdown-of-tiltak", "query": text, "p.nr": "1.5", "lang": lang})
    assert r.status_code == 200
    shown = re.findall(r'<th scope="col" title="\?(\w+)">(.*?)</th>', r.text)
    assert shown and all(h == heading[v] for v, h in shown)
    result = load_catalogue(repo_kg.project.query_files)["county-breakdown-of-tiltak"].run(repo_kg.store, {"nr": "1.5"})
    assert isinstance(result, SelectResult) and result.rows
    body = r.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == len(result.rows)
    counties = [str(d["county"]) for d in result.dicts()]
    county_cell = (
        r'<td><span class="lit"(?: lang="nb")?>([^<]*)</span> <span class="tag"[^>]*>nb</span></td><td><span class="lit">\d{4}<'
    )
    assert re.findall(county_cell, body) == counties


@pytest.mark.parametrize(("lang", "heading"), [("nb", "Samlet vurdering"), ("en", "Overall assessment")])
def test_a_strategy_page_shows_its_overall_assessment(repo_client: TestClient, seeds: Path, lang: str, heading: str) -> None:
    """Each K2020 strategy page shows the «Samlet vurdering» of the 2016 status report, as the source words it,
    in a section of its own (not as a bare record link under "links here")."""
    parts = read_strategy_assessments(seeds)
    assert [p.strategy for p in parts] == ["1", "2", "3", "4", "5", "6"]
    for part in parts:
        r = repo_client.get(f"/id/strategy/k2020-{part.strategy}", params={"lang": lang}, headers={"Accept": "text/html"})
        assert r.status_code == 200
        page = html.unescape(r.text)
        assert f">{heading}<" in page
        assert part.text in " ".join(page.split())
        assert "seed002-strategy" not in page.split("data-raw", 1)[0]


def test_where_the_sources_disagree_downloads_as_it_shows(repo_client: TestClient) -> None:
    """The disagreements table (one row per source, the fact's label spanning its rows) as CSV: the fact on
    every row, then the source and what it says, as the page shows them."""
    unescape = html.unescape
    page = repo_client.get("/id/tiltak/k2020-2.4?lang=nb", headers={"Accept": "text/html"}).text
    section = page[page.index('<section id="disagreements">') :]
    section = section[: section.index("</section>")]
    shown = []
    fact = ""
    for row in re.findall(r"<tr>(.*?)</tr>", section[section.index("<tbody>") :], re.S):
        label = re.search(r"<th[^>]*>(.*?)</th>", row, re.S)
        fact = " ".join(unescape(re.sub(r"<[^>]+>", " ", label.group(1))).split()) if label else fact
        cells = [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        shown.append([fact, *cells])
    assert len(shown) >= 2  # two sources at least, or they would not disagree
    link = unescape(re.search(r'href="([^"]*download=csv[^"]*)"', section).group(1))  # type: ignore[union-attr]
    got = repo_client.get(link)
    assert got.status_code == 200 and got.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["Faktum", "Kilde", "Kilden sier"]
    assert [[" ".join(c.split()) for c in r] for r in rows[1:]] == shown
