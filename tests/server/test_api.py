"""The canned-query API: the catalogue, running a query with parameters, bad parameters, OpenAPI."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.server import Settings, create_app


def test_catalogue_lists_every_query_in_both_languages(client: TestClient) -> None:
    r = client.get("/api/queries")
    assert r.status_code == 200
    listed = {q["name"]: q for q in r.json()}
    assert set(listed) == {"continued-into-k2025", "tiltak-table"}
    q = listed["continued-into-k2025"]
    assert q["title"]["nb"] and q["title"]["en"]
    assert q["description"]["nb"] and q["description"]["en"]
    assert q["parameters"] == [
        {
            "name": "division",
            "type": "code",
            "default": "PH",
            "required": False,
            "help": q["parameters"][0]["help"],
        }
    ]
    assert set(q["parameters"][0]["help"]) == {"nb", "en"}
    assert q["url"].endswith("/api/queries/continued-into-k2025")
    assert "SELECT" in q["query"]


def bindings(r) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def test_run_with_the_default_parameter(client: TestClient) -> None:
    r = client.get("/api/queries/continued-into-k2025")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    rows = bindings(r)
    assert [row["nr"] for row in rows] == ["3.2", "3.14"]  # numeric order, not string order
    assert rows[1]["k2025_refs"] == "1.31;1.10"  # source order (position), not sorted
    assert all(row["division"] == "PH" for row in rows)


def test_run_with_a_parameter(client: TestClient) -> None:
    assert bindings(client.get("/api/queries/continued-into-k2025", params={"division": "KP"})) == []
    r = client.get("/api/queries/continued-into-k2025", params={"division": "PH", "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["nr"] for row in rows] == ["3.2", "3.14"]
    assert rows[0]["name"] == "Demensomsorgens ABC"


def test_csv_by_accept(client: TestClient) -> None:
    r = client.get("/api/queries/tiltak-table", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert len(r.text.strip().splitlines()) == 1 + 3  # three K2020 tiltak in the fixture


def test_bad_parameters_give_400_with_the_reason(client: TestClient) -> None:
    r = client.get("/api/queries/continued-into-k2025", params={"division": "P H!"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    assert "not a short code" in r.json()["error"]
    r = client.get("/api/queries/continued-into-k2025", params={"nonsense": "1"})
    assert r.status_code == 400
    assert "unknown parameter nonsense" in r.json()["error"]
    assert "division" in r.json()["error"]


def test_unknown_query_is_404(client: TestClient) -> None:
    r = client.get("/api/queries/no-such-query")
    assert r.status_code == 404
    assert "no-such-query" in r.json()["error"]


def test_406_and_etag(client: TestClient) -> None:
    assert client.get("/api/queries/tiltak-table", headers={"Accept": "text/turtle"}).status_code == 406
    r = client.get("/api/queries/tiltak-table")
    assert client.get("/api/queries/tiltak-table", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_openapi_describes_everything(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    for path in (
        "/sparql",
        "/api/queries",
        "/api/queries/{name}",
        "/api/queries/continued-into-k2025",
        "/api/queries/tiltak-table",
    ):
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/sparql"])
    post = paths["/sparql"]["post"]
    assert {"application/x-www-form-urlencoded", "application/sparql-query"} <= set(post["requestBody"]["content"])
    params = {p["name"]: p for p in paths["/api/queries/continued-into-k2025"]["get"]["parameters"]}
    assert params["division"]["schema"]["default"] == "PH"
    assert "responsible unit" in params["division"]["description"]
    assert "format" in params
    assert "400" in paths["/api/queries/continued-into-k2025"]["get"]["responses"]
    assert "/id/{path}" in paths and "/def" in paths and "/.well-known/void" in paths


def test_no_page_loads_anything_from_the_internet(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN
    for path in ("/", "/query", "/def", "/id/tiltak/k2020-3.14", "/id/tiltak/"):
        html = client.get(path, headers={"Accept": "text/html"}).text
        head = html.split("<body>")[0]
        assert 'src="http' not in html and "src='http" not in html, path
        assert 'href="http' not in head and "@import" not in html, path  # links in the body are fine


def test_status(client: TestClient) -> None:
    status = client.get("/api/status").json()
    assert status["timeout"] == 5 and status["rowCap"] == 10_000
    assert status["triples"] > 100


# ----------------------------------------------------------------------------------------------------------
# Issue 8, item 9: parameters are checked by their declared type and length before anything runs
# ----------------------------------------------------------------------------------------------------------

TYPED_QUERIES = ("tiltak-of-strategy.rq", "ended-before.rq")  # an integer and a year parameter


@pytest.fixture(scope="module")
def typed_client(mini_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("typed-root")
    shutil.copytree(mini_root, root, dirs_exist_ok=True)
    repo = Path(__file__).resolve().parents[2]
    for name in TYPED_QUERIES:
        shutil.copy(repo / "queries" / name, root / "queries" / name)
    app = create_app(KnowledgeGraph.load(Project.at(root)), Settings(timeout=5, workers=1, max_workers=1))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    ("query", "param", "value"),
    [
        ("tiltak-of-strategy", "strategy", "1" * 5000),  # int() fails past 4300 digits: was HTTP 500
        ("ended-before", "year", "2" * 5000),
        ("tiltak-of-strategy", "strategy", "٣"),  # ARABIC-INDIC DIGIT THREE: int() took it as 3
        ("ended-before", "year", "٢٠١٩"),
        ("tiltak-of-strategy", "strategy", "1" * 19),  # more digits than a 64-bit integer holds
        ("ended-before", "year", "20190"),  # a year has four digits
    ],
)
def test_ill_typed_numbers_are_400_naming_the_parameter(typed_client: TestClient, query: str, param: str, value: str) -> None:
    r = typed_client.get(f"/api/queries/{query}", params={param: value})
    assert r.status_code == 400, r.text[:300]
    error = r.json()["error"]
    assert repr(param) in error
    assert ("integer" in error and "heltall" in error) or ("year" in error and "årstall" in error)  # English and bokmål
    assert len(error) < 400  # a 5000-digit value is not echoed whole


def test_well_typed_numbers_still_run(typed_client: TestClient) -> None:
    assert typed_client.get("/api/queries/tiltak-of-strategy", params={"strategy": "3"}).status_code == 200
    assert typed_client.get("/api/queries/ended-before", params={"year": "2019"}).status_code == 200
    # Well-typed but no strategy of the data (issue 14): refused for that, listing the fixture's strategies.
    r = typed_client.get("/api/queries/tiltak-of-strategy", params={"strategy": "-3"})
    assert r.status_code == 400
    assert "'-3' is not one of the valid values: 1, 3" in r.json()["error"] and "heltall" not in r.json()["error"]


def test_a_too_long_string_parameter_is_400(client: TestClient) -> None:
    r = client.get("/api/queries/continued-into-k2025", params={"division": "P" * 5000})
    assert r.status_code == 400 and "'division'" in r.json()["error"]


def test_query_page_checks_parameters_too(typed_client: TestClient) -> None:
    page = typed_client.get("/query", params={"name": "tiltak-of-strategy", "action": "load"})
    assert page.status_code == 200
    canned = typed_client.get("/api/queries").json()
    text = next(q["query"] for q in canned if q["name"] == "tiltak-of-strategy")
    for value in ("1" * 5000, "٣"):
        r = typed_client.get("/query", params={"name": "tiltak-of-strategy", "query": text, "p.strategy": value})
        assert r.status_code == 400, r.text[:300]
        assert "strategy" in r.text and "heltall" in r.text
