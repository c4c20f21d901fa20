"""Issue 14: the query page's results as files (CSV with a BOM, CSV with ``;`` for Norwegian Excel, XLSX).

The expected rows come from the library (a canned query's :class:`~k2020graph.store.SelectResult`) or
from pyoxigraph directly, the expected headings from the query files' ``#+ column`` lines (read here with
a regular expression, not through the package). A download runs its query as the page does: the same
guard, row cap and timeout; a link cannot go round them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from k2020graph.loading import KnowledgeGraph
from k2020graph.queries import CannedQuery, load_catalogue
from k2020graph.server import Settings, create_app
from k2020graph.store import SelectResult

BOM = b"\xef\xbb\xbf"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def catalogue(mini_root: Path) -> dict[str, CannedQuery]:
    return load_catalogue(sorted((mini_root / "queries").glob("*.rq")))


def headings(mini_root: Path, name: str, variables: list[str], lang: str) -> list[str]:
    """The query file's own headings for ``variables`` (the variable's name where it gives none)."""
    text = (mini_root / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    found = {
        m.group(1): (m.group(2).strip(), m.group(3).strip())
        for m in re.finditer(r"^#\+ column: (\w+) \| (.*?) \| (.*)$", text, re.M)
    }
    return [found[v][0 if lang == "nb" else 1] if v in found else v for v in variables]


def library_rows(result: SelectResult) -> list[list[str]]:
    return [["" if t is None else str(t) for t in row] for row in result.rows]


def read_csv(body: bytes, delimiter: str = ",") -> list[list[str]]:
    assert body.startswith(BOM), body[:20]
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:]), delimiter=delimiter))


class Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


def download_links(html: str) -> dict[str, str]:
    """The result's download links on a query page: csv, csv_excel, xlsx."""
    out = {}
    for href in Links(html).hrefs:
        if href.startswith("/query?") and "download=" in href:
            key = "xlsx" if "download=xlsx" in href else "csv_excel" if "sep=semicolon" in href else "csv"
            out[key] = href
    return out


# ----------------------------------------------------------------------------------------------------------
# What the file holds
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_canned_query_with_a_parameter_downloads_the_library_s_rows(
    client: TestClient, mini_kg: KnowledgeGraph, mini_root: Path, catalogue: dict[str, CannedQuery], lang: str
) -> None:
    expected = catalogue["continued-into-k2025"].run(mini_kg.store, {"division": "PH"})
    assert isinstance(expected, SelectResult) and expected.rows
    r = client.get("/query", params={"name": "continued-into-k2025", "p.division": "ph", "lang": lang, "download": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = read_csv(r.content)
    assert rows[0] == headings(mini_root, "continued-into-k2025", expected.variables, lang)
    assert rows[1:] == library_rows(expected)
    assert r.headers["k2020-truncated"] == "false"


def test_the_semicolon_csv_has_the_same_rows(
    client: TestClient, mini_kg: KnowledgeGraph, mini_root: Path, catalogue: dict[str, CannedQuery]
) -> None:
    expected = catalogue["tiltak-table"].run(mini_kg.store)
    assert isinstance(expected, SelectResult) and expected.rows
    r = client.get("/query", params={"name": "tiltak-table", "download": "csv", "sep": "semicolon"})
    assert r.status_code == 200, r.text
    first = r.content.decode("utf-8-sig").splitlines()[0]
    assert first.count(";") == len(expected.variables) - 1 and "," not in first
    rows = read_csv(r.content, ";")
    assert rows[0] == headings(mini_root, "tiltak-table", expected.variables, "nb")
    assert rows[1:] == library_rows(expected)  # the whole numbers (years) read the same with a decimal comma


def test_the_xlsx_opens_with_the_same_rows_and_numbers_as_numbers(
    client: TestClient, mini_kg: KnowledgeGraph, mini_root: Path, catalogue: dict[str, CannedQuery]
) -> None:
    expected = catalogue["tiltak-table"].run(mini_kg.store)
    assert isinstance(expected, SelectResult)
    r = client.get("/query", params={"name": "tiltak-table", "download": "xlsx", "lang": "en"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == headings(mini_root, "tiltak-table", expected.variables, "en")
    assert [["" if c is None else str(c) for c in row] for row in values[1:]] == library_rows(expected)
    integers = {
        (i, j)
        for i, row in enumerate(expected.rows)
        for j, t in enumerate(row)
        if t is not None and str(getattr(t, "datatype", "")).endswith("#integer")
    }
    assert integers  # the fixture holds some (start_earliest, start_latest)
    assert all(isinstance(values[i + 1][j], int) for i, j in integers)


def test_a_query_of_one_s_own_downloads_pyoxigraph_s_rows(client: TestClient, mini_kg: KnowledgeGraph) -> None:
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?thing ?label WHERE { ?thing skos:prefLabel ?label } ORDER BY ?thing ?label"
    )
    solutions = mini_kg.store.raw.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    expected = [[sol["thing"].value, sol["label"].value] for sol in solutions]
    assert expected
    r = client.get("/query", params={"query": query, "download": "csv", "sep": "semicolon"})
    assert r.status_code == 200, r.text
    assert read_csv(r.content, ";") == [["thing", "label"], *expected]
    sheet = load_workbook(io.BytesIO(client.get("/query", params={"query": query, "download": "xlsx"}).content)).active
    assert sheet is not None
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [["thing", "label"], *expected]


def test_numbers_of_a_query_get_a_decimal_comma_only_for_excel(client: TestClient) -> None:
    query = 'SELECT ?x WHERE { VALUES ?x { 12.5 "12.5" } }'
    assert read_csv(client.get("/query", params={"query": query, "download": "csv"}).content) == [["x"], ["12.5"], ["12.5"]]
    excel = read_csv(client.get("/query", params={"query": query, "download": "csv", "sep": "semicolon"}).content, ";")
    assert excel == [["x"], ["12,5"], ["12.5"]]  # the decimal as Excel reads it, the text as it is
    sheet = load_workbook(io.BytesIO(client.get("/query", params={"query": query, "download": "xlsx"}).content)).active
    assert sheet is not None
    assert [c for (c,) in sheet.iter_rows(min_row=2, values_only=True)] == [Decimal("12.5"), "12.5"]


# ----------------------------------------------------------------------------------------------------------
# The links on the page
# ----------------------------------------------------------------------------------------------------------


def test_the_page_links_its_result_s_downloads(client: TestClient, catalogue: dict[str, CannedQuery]) -> None:
    canned = catalogue["continued-into-k2025"]
    page = client.get(
        "/query", params={"name": canned.name, "query": canned.text, "p.division": "PH", "lang": "en"}, headers=HTML
    )
    assert page.status_code == 200
    links = download_links(page.text)
    assert set(links) == {"csv", "csv_excel", "xlsx"}, Links(page.text).hrefs
    got = {k: client.get(v.replace("&amp;", "&")) for k, v in links.items()}
    assert all(r.status_code == 200 for r in got.values())
    expected = read_csv(
        client.get("/query", params={"name": canned.name, "p.division": "PH", "lang": "en", "download": "csv"}).content
    )
    assert read_csv(got["csv"].content) == expected
    assert read_csv(got["csv_excel"].content, ";") == expected
    assert "Last ned" not in page.text.split('id="results"')[1]  # the English page says it in English


def test_an_edited_query_s_links_carry_its_text(client: TestClient) -> None:
    query = "SELECT ?s WHERE { ?s a ?kind } LIMIT 3"
    page = client.get("/query", params={"query": query}, headers=HTML)
    links = download_links(page.text)
    assert set(links) == {"csv", "csv_excel", "xlsx"}
    rows = read_csv(client.get(links["csv"].replace("&amp;", "&")).content)
    assert rows[0] == ["s"] and len(rows) == 4


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("ASK { ?s ?p ?o }", "ASK"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2", "Turtle"),
        ("DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1", "Turtle"),
    ],
)
def test_a_query_without_a_table_is_told_so(client: TestClient, query: str, says: str) -> None:
    r = client.get("/query", params={"query": query, "download": "csv", "lang": "en"}, headers=HTML)
    assert r.status_code == 400
    assert says in r.text and "SELECT" in r.text and "Traceback" not in r.text
    page = client.get("/query", params={"query": query}, headers=HTML)
    assert download_links(page.text) == {}  # and the page offers none


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"name": "continued-into-k2025", "p.division": "XX"}, "PH"),  # not an allowed value: the valid ones listed
        ({"name": "nope"}, "nope"),
        ({"query": "SELECT ?s WHERE { ?s a nope:Thing }"}, "nope"),
        ({"query": ""}, "query="),
        ({"query": "SELECT * WHERE { ?s ?p ?o }", "sep": "tab"}, "tab"),
    ],
)
def test_bad_download_input_is_a_clear_error(client: TestClient, params: dict[str, str], says: str) -> None:
    r = client.get("/query", params={**params, "download": "csv", "lang": "en"}, headers=HTML)
    assert 400 <= r.status_code < 500
    assert says in r.text and "Traceback" not in r.text


# ----------------------------------------------------------------------------------------------------------
# A download link is no way round the limits
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capped(mini_kg: KnowledgeGraph) -> Iterator[TestClient]:
    with TestClient(create_app(mini_kg, Settings(row_cap=3, max_query_length=500, timeout=5, workers=1))) as c:
        yield c


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_download_is_cut_at_the_row_cap_like_the_page(capped: TestClient, mini_kg: KnowledgeGraph, fmt: str) -> None:
    query = "SELECT * WHERE { ?s ?p ?o }"
    assert len(mini_kg.store) > 3  # more rows than the cap
    page = capped.get("/query", params={"query": query}, headers=HTML)
    assert 'class="warning"' in page.text  # the page says it was cut
    r = capped.get("/query", params={"query": query, "download": fmt})
    assert r.status_code == 200
    assert r.headers["k2020-truncated"] == "true"
    if fmt == "csv":
        rows = read_csv(r.content)
    else:
        sheet = load_workbook(io.BytesIO(r.content)).active
        assert sheet is not None
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 1 + 3  # the heading and the cap's rows


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 400),
        ("SELECT * WHERE { ?s ?p ?o }" + " " * 600, 413),  # past the capped client's length limit
        ("INSERT DATA { <http://ex/a> <http://ex/b> <http://ex/c> }", 403),
    ],
)
def test_a_download_refuses_what_the_page_refuses(capped: TestClient, query: str, status: int) -> None:
    page = capped.get("/query", params={"query": query}, headers=HTML)
    assert page.status_code == status
    r = capped.get("/query", params={"query": query, "download": "csv"})
    assert r.status_code == status, r.text
    assert not r.content.startswith(BOM)


def test_a_runaway_download_is_stopped_at_the_timeout(mini_kg: KnowledgeGraph, runaway: str) -> None:
    with TestClient(create_app(mini_kg, Settings(timeout=1, workers=1))) as c:
        r = c.get("/query", params={"query": runaway, "download": "xlsx", "lang": "en"})
        assert r.status_code == 503
        assert "1 s" in r.text and "retry-after" in r.headers
        after = c.get("/query", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "download": "csv"})
        assert after.status_code == 200 and len(read_csv(after.content)) == 2  # and the next one runs
