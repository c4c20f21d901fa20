"""Boundaries of the endpoint: a result of exactly the row cap is whole, one more is truncated; the media-type aliases.

The store here has a known number of triples, counted by the test itself, so the expected rows do not come
from the code under test.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from k2020graph.server.engine import TRUNCATED_KEY, execute

N = 7
EX = "http://example.org/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for i in range(N):
        s.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i))))
    return s


SELECT = "SELECT ?s ?o WHERE { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(("cap", "truncated"), [(N + 1, False), (N, False), (N - 1, True)])
def test_select_at_the_row_cap(store: ox.Store, cap: int, truncated: bool) -> None:
    for fmt in ("json", "tsv", "csv", "xml"):
        reply = execute(store, {"query": SELECT, "results": fmt, "row_cap": cap})
        assert reply["ok"], reply
        assert reply["truncated"] is truncated, (fmt, cap)
        assert reply["count"] == min(N, cap), (fmt, cap)
        if fmt == "json":
            payload = json.loads(reply["body"])
            assert len(payload["results"]["bindings"]) == min(N, cap)
            assert (TRUNCATED_KEY in payload) is truncated


@pytest.mark.parametrize(("cap", "truncated"), [(N + 1, False), (N, False), (N - 1, True)])
def test_construct_at_the_row_cap(store: ox.Store, cap: int, truncated: bool) -> None:
    for fmt in ("turtle", "ntriples", "jsonld", "rdfxml"):
        reply = execute(store, {"query": CONSTRUCT, "graph": fmt, "row_cap": cap})
        assert reply["ok"], reply
        assert reply["truncated"] is truncated, (fmt, cap)
        assert reply["count"] == min(N, cap), (fmt, cap)
        body = reply["body"].decode()
        if fmt == "ntriples":
            lines = [line for line in body.splitlines() if line and not line.startswith("#")]
            assert len(lines) == min(N, cap)
            assert body.startswith("# k2020graph: truncated") is truncated


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_result_media_type_aliases(client: TestClient, accept: str, media_type: str) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    if "xml" in media_type:
        assert "<sparql" in r.text and "http://www.w3.org/2005/sparql-results#" in r.text
