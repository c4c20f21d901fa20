"""The SPARQL 1.1 Protocol at /sparql: every method and result type, errors, refusals, caching, CORS."""

from __future__ import annotations

import asyncio
import csv
import http.server
import io
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, URIRef

from k2020graph.loading import KnowledgeGraph
from k2020graph.server import Settings, create_app
from k2020graph.server.pool import QueryPool
from k2020graph.store import OxigraphStore

SELECT = (
    "PREFIX k2: <https://w3id.org/k2020graph/def#>\n"
    "SELECT ?t ?nr WHERE { ?t a k2:Tiltak ; <http://www.w3.org/2004/02/skos/core#notation> ?nr } ORDER BY ?nr"
)
ASK = "PREFIX k2: <https://w3id.org/k2020graph/def#> ASK { ?t a k2:Tiltak }"
CONSTRUCT = "PREFIX k2: <https://w3id.org/k2020graph/def#> CONSTRUCT { ?t a k2:Tiltak } WHERE { ?t a k2:Tiltak }"
DESCRIBE = "DESCRIBE <https://w3id.org/k2020graph/id/tiltak/k2020-3.14>"
SRX = "{http://www.w3.org/2005/sparql-results#}"
N_TILTAK = 5  # in fixtures/mini.ttl

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": ("text/turtle", "turtle"),
    "ntriples": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdfxml": ("application/rdf+xml", "xml"),
}


def rows_of(body: bytes, kind: str) -> int:
    if kind == "json":
        return len(json.loads(body)["results"]["bindings"])
    if kind == "xml":
        return len(ET.fromstring(body).findall(f"{SRX}results/{SRX}result"))
    delimiter = "," if kind == "csv" else "\t"
    return len(list(csv.reader(io.StringIO(body.decode()), delimiter=delimiter))) - 1


def send(client: TestClient, method: str, query: str, accept: str, **extra: str):  # type: ignore[no-untyped-def]
    headers = {"Accept": accept}
    if method == "GET":
        return client.get("/sparql", params={"query": query, **extra}, headers=headers)
    if method == "POST-form":
        return client.post("/sparql", data={"query": query, **extra}, headers=headers)
    return client.post(
        "/sparql", params=extra, content=query.encode(), headers={**headers, "Content-Type": "application/sparql-query"}
    )


METHODS = ["GET", "POST-form", "POST-direct"]


# ---- results, by every method ------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", RESULT_TYPES)
def test_select_in_each_format(client: TestClient, method: str, kind: str) -> None:
    r = send(client, method, SELECT, RESULT_TYPES[kind])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(RESULT_TYPES[kind])
    assert rows_of(r.content, kind) == N_TILTAK
    assert r.headers["K2020-Rows"] == str(N_TILTAK)
    assert "K2020-Truncated" not in r.headers
    assert "Accept" in r.headers["Vary"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", RESULT_TYPES)
def test_ask_in_each_format(client: TestClient, method: str, kind: str) -> None:
    r = send(client, method, ASK, RESULT_TYPES[kind])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(RESULT_TYPES[kind])
    if kind == "json":
        assert r.json() == {"head": {}, "boolean": True}
    elif kind == "xml":
        assert ET.fromstring(r.content).find(f"{SRX}boolean").text == "true"  # type: ignore[union-attr]
    else:
        assert "true" in r.text


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", GRAPH_TYPES)
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_graph_results_in_each_format(client: TestClient, method: str, kind: str, query: str) -> None:
    media, rdflib_format = GRAPH_TYPES[kind]
    r = send(client, method, query, media)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    graph = Graph().parse(data=r.content, format=rdflib_format)
    assert len(graph) == (N_TILTAK if query == CONSTRUCT else int(r.headers["K2020-Rows"]))
    assert len(graph) > 0


def test_default_formats(client: TestClient) -> None:
    assert client.get("/sparql", params={"query": SELECT}).headers["content-type"].startswith("application/sparql-results+json")
    assert client.get("/sparql", params={"query": CONSTRUCT}).headers["content-type"].startswith("text/turtle")


def test_format_parameter_for_links(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": "csv"}, headers={"Accept": "application/sparql-results+xml"})
    assert r.headers["content-type"].startswith("text/csv")
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": "ntriples"})
    assert r.headers["content-type"].startswith("application/n-triples")


def test_q_values_choose(client: TestClient) -> None:
    accept = "application/sparql-results+json;q=0.5, text/tab-separated-values;q=0.9, */*;q=0.1"
    assert (
        client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
        .headers["content-type"]
        .startswith("text/tab-separated-values")
    )


# ---- errors ----------------------------------------------------------------------------------------------


def test_406_when_nothing_fits(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/turtle"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text
    assert client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"}).status_code == 406
    assert client.get("/sparql", params={"query": SELECT, "format": "turtle"}).status_code == 406


def test_syntax_error_gives_400_with_position(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT *\nWHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "line 4, column" in r.text
    assert "expected" in r.text
    assert "Traceback" not in r.text


def test_post_needs_a_known_content_type(client: TestClient) -> None:
    r = client.post("/sparql", content=SELECT.encode(), headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert client.post("/sparql", data={"nothing": "here"}).status_code == 400


def test_query_given_twice(client: TestClient) -> None:
    assert client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D").status_code == 400


def test_413_for_a_long_query_and_a_large_body(mini_kg: KnowledgeGraph) -> None:
    app = create_app(mini_kg, Settings(max_query_length=200, max_body=1000, workers=1))
    with TestClient(app) as c:
        long_query = "SELECT * WHERE { ?s ?p ?o }" + " " * 300
        assert c.get("/sparql", params={"query": long_query}).status_code == 413
        r = c.post("/sparql", content=("#" * 2000).encode(), headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 413
        assert "1000" in r.text
        assert c.post("/sparql", data={"query": "ASK {}" + " " * 1200}).status_code == 413
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_an_internal_error_shows_no_traceback(mini_kg: KnowledgeGraph) -> None:
    app = create_app(mini_kg, Settings(workers=1))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    app.router.routes.insert(0, app.router.routes.pop())  # before the catch-all linked-data route
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom", headers={"Accept": "text/plain"})
    assert r.status_code == 500
    assert "Traceback" not in r.text and "secret detail" not in r.text
    assert "Internal server error" in r.text


# ---- refusals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(client: TestClient, query: str) -> None:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 400
    assert "SERVICE" in r.text and "fetch a URL" in r.text


@pytest.mark.parametrize(
    "query",
    [
        "LOAD <http://example.org/data.ttl>",
        "LOAD <file:///etc/passwd> INTO GRAPH <http://g>",
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR DEFAULT",
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_updates_and_loads_are_refused(client: TestClient, query: str, method: str) -> None:
    r = send(client, method, query, "*/*")
    assert "read-only" in r.text or "fetch a URL" in r.text
    assert r.status_code == (403 if "read-only" in r.text else 400)  # an update is forbidden, not malformed
    assert client.get("/sparql", params={"query": ASK}).json()["boolean"] is True  # nothing changed


def test_update_parameter_and_content_type_are_refused(client: TestClient) -> None:
    assert client.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
    assert client.get("/sparql", params={"update": "CLEAR ALL"}).status_code == 403
    r = client.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403
    assert "read-only" in r.text


@pytest.fixture
def http_target() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/sparql", hits
    finally:
        srv.shutdown()
        srv.server_close()


def test_the_workers_cannot_open_connections_even_past_the_text_check(http_target: tuple[str, list[str]]) -> None:
    """The second line of defence: a worker runs SERVICE (bypassing the endpoint) and still fetches nothing."""
    url, hits = http_target
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"), ox.Literal("x")))
    pool = QueryPool(store, size=1)
    try:
        pool.start()
        reply = asyncio.run(pool.run({"query": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "results": "json"}, 10))
    finally:
        pool.close()
    assert reply["ok"] is False
    assert "Too many open files" in reply["message"] or "os error 24" in reply["message"]
    assert hits == []


# ---- service description, dataset, limits ---------------------------------------------------------------------


def test_service_description(client: TestClient) -> None:
    r = client.get("/sparql")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    services = list(g.subjects(RDF.type, URIRef(sd + "Service")))
    assert len(services) == 1
    service = services[0]
    assert (service, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in g
    endpoints = [str(o) for o in g.objects(service, URIRef(sd + "endpoint"))]
    assert len(endpoints) == 1 and endpoints[0].endswith("/sparql")
    formats = {str(o) for o in g.objects(service, URIRef(sd + "resultFormat"))}
    w3c = "http://www.w3.org/ns/formats/"
    assert {w3c + f for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV")} <= formats
    r = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert r.headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=r.text, format="json-ld")) == len(g)


def test_service_description_sends_browsers_to_the_query_page(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].endswith("/query")


@pytest.fixture(scope="module")
def graphs_client() -> Iterator[TestClient]:
    """A store with two named graphs (the project's own data sits in the default graph)."""
    n = ox.NamedNode
    quads = [
        ox.Quad(n("http://ex/a"), n("http://ex/p"), ox.Literal("default")),
        ox.Quad(n("http://ex/b"), n("http://ex/p"), ox.Literal("one"), n("http://ex/g1")),
        ox.Quad(n("http://ex/c"), n("http://ex/p"), ox.Literal("two"), n("http://ex/g2")),
    ]
    app = create_app(OxigraphStore(quads), Settings(workers=1, row_cap=2))
    with TestClient(app) as c:
        yield c


def values(r) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(b["o"]["value"] for b in r.json()["results"]["bindings"])


def test_default_and_named_graph_uri(graphs_client: TestClient) -> None:
    q = "SELECT ?o WHERE { ?s ?p ?o }"
    assert values(graphs_client.get("/sparql", params={"query": q})) == ["default"]
    r = graphs_client.get("/sparql", params={"query": q, "default-graph-uri": "http://ex/g1"})
    assert values(r) == ["one"]
    r = graphs_client.get(
        "/sparql", params=[("query", q), ("default-graph-uri", "http://ex/g1"), ("default-graph-uri", "http://ex/g2")]
    )
    assert values(r) == ["one", "two"]
    qn = "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert values(graphs_client.get("/sparql", params={"query": qn})) == ["one", "two"]
    assert values(graphs_client.get("/sparql", params={"query": qn, "named-graph-uri": "http://ex/g2"})) == ["two"]
    r = graphs_client.post("/sparql", data={"query": qn, "named-graph-uri": "http://ex/g1"})
    assert values(r) == ["one"]
    assert graphs_client.get("/sparql", params={"query": q, "default-graph-uri": "not an iri"}).status_code == 400


def test_row_cap_marks_the_cut(graphs_client: TestClient) -> None:
    q = "SELECT ?s ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    r = graphs_client.get("/sparql", params={"query": q})
    assert r.headers["K2020-Truncated"] == "true"
    body = r.json()
    assert body["k2020:truncated"] is True and body["k2020:rowCap"] == 2
    assert len(body["results"]["bindings"]) == 2
    r = graphs_client.get("/sparql", params={"query": q, "format": "csv"})
    assert r.headers["K2020-Truncated"] == "true"
    assert len(r.text.strip().splitlines()) == 3
    c = "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    r = graphs_client.get("/sparql", params={"query": c})
    assert r.headers["K2020-Truncated"] == "true"
    assert r.text.startswith("# k2020graph: truncated")
    assert len(Graph().parse(data=r.text, format="turtle")) == 2
    r = graphs_client.get("/sparql", params={"query": "SELECT ?o WHERE { ?s ?p ?o }"})
    assert "K2020-Truncated" not in r.headers and "k2020:truncated" not in r.json()


def test_the_store_is_not_changed_by_queries(graphs_client: TestClient) -> None:
    app_ctx = graphs_client.app.state.k2020  # type: ignore[attr-defined]
    before = len(app_ctx.store)
    graphs_client.get("/sparql", params={"query": "CONSTRUCT { <http://x> <http://y> 1 } WHERE {}"})
    assert len(app_ctx.store) == before


# ---- caching and CORS ---------------------------------------------------------------------------------------------


def test_etag_and_304(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT})
    etag = r.headers["ETag"]
    version = client.app.state.k2020.version  # type: ignore[attr-defined]
    assert etag.startswith(f'"{version}-')
    again = client.get("/sparql", params={"query": SELECT}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    other = client.get("/sparql", params={"query": SELECT, "format": "csv"}, headers={"If-None-Match": etag})
    assert other.status_code == 200  # another representation, another tag
    assert other.headers["ETag"] != etag
    assert client.get("/sparql", params={"query": SELECT}, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_etag_changes_with_the_data(mini_kg: KnowledgeGraph, graphs_client: TestClient) -> None:
    with TestClient(create_app(mini_kg, Settings(workers=1))) as c:
        tag_a = c.get("/sparql", params={"query": ASK}).headers["ETag"]
    tag_b = graphs_client.get("/sparql", params={"query": ASK}).headers["ETag"]
    assert tag_a != tag_b


def test_cors(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": ASK}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "K2020-Truncated" in r.headers["access-control-expose-headers"]
    pre = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200
    assert "POST" in pre.headers["access-control-allow-methods"]


# ---- timeout (in-process; the concurrent case is in test_server_process.py) -------------------------------------


def test_timeout_answers_503_and_the_next_query_runs(mini_kg: KnowledgeGraph, runaway: str) -> None:
    with TestClient(create_app(mini_kg, Settings(timeout=1, workers=1))) as c:
        r = c.get("/sparql", params={"query": runaway})
        assert r.status_code == 503
        assert "timeout" in r.text and "1 s" in r.text
        assert c.get("/sparql", params={"query": ASK}).json()["boolean"] is True
