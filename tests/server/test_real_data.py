"""The repository's own data served: every canned query runs over HTTP, every resource has a page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import URIRef

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.server import Settings, create_app

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


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_canned_query_runs_over_http(repo_client: TestClient, name: str) -> None:
    r = repo_client.get(f"/api/queries/{name}")
    assert r.status_code == 200, r.text
    assert "results" in r.json() or "boolean" in r.json()
    csv = repo_client.get(f"/api/queries/{name}", params={"format": "csv"})
    assert csv.status_code == 200


def test_the_headline_query_has_rows(repo_client: TestClient) -> None:
    rows = repo_client.get("/api/queries/continued-into-k2025", params={"division": "PH"}).json()["results"]["bindings"]
    assert rows, "no PH tiltak continued into K2025 in data/turtle/"


def test_every_resource_has_a_page(repo_client: TestClient, repo_kg: KnowledgeGraph) -> None:
    subjects = sorted({str(s) for s in repo_kg.data_graph.subjects() if isinstance(s, URIRef) and str(s).startswith(BASE)})
    assert len(subjects) > 100
    for iri in subjects:
        r = repo_client.get("/" + iri.removeprefix(BASE), headers={"Accept": "text/html"})
        assert r.status_code == 200, iri
