"""``serve --store URL``: the endpoint, the API and the pages on top of a real Oxigraph server (issue 12).

A small recording proxy stands between the application and the store, so the tests see every request
that reaches the store: a refused query (SERVICE, an update) must never be among them.
"""

from __future__ import annotations

import asyncio
import collections
import csv
import http.server
import io
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from k2020graph.cli import main
from k2020graph.remote import DEFAULT_GRAPH, Remote
from k2020graph.server import Settings, create_app
from k2020graph.server.remote import RemoteServedStore
from k2020graph.store import SelectResult

from .servers import ordered, oxigraph_executable, oxigraph_server

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
QUERY_NAMES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
SECRET_GRAPH = "https://example.org/another-register"
SECRET = "a value of another register"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


class Recorder:
    """An HTTP proxy to ``target`` on 127.0.0.1 that keeps the form fields of every request it forwards."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.seen: list[dict[str, list[str]]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.seen.append(urllib.parse.parse_qs(body.decode()))
                forward = urllib.request.Request(recorder.target, data=body, method="POST", headers=dict(self.headers))
                try:
                    with urllib.request.urlopen(forward, timeout=120) as answer:
                        status, headers, data = answer.status, answer.headers, answer.read()
                except urllib.error.HTTPError as exc:
                    status, headers, data = exc.code, exc.headers, exc.read()
                self.send_response(status)
                self.send_header("Content-Type", headers.get("Content-Type", "text/plain"))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def queries(self) -> list[str]:
        return [q for fields in self.seen for q in fields.get("query", [])]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if oxigraph_executable() is None:
        pytest.skip("the oxigraph server (PyPI 'oxigraph', a test dependency) is not installed")
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-serve"), timeout_s=20) as endpoint:
        assert main(["publish", "--root", str(ROOT), "--endpoint", endpoint]) == 0
        secret = f'<https://example.org/s> <https://example.org/p> "{SECRET}" .\n'.encode()
        target = Remote(endpoint, graph=SECRET_GRAPH).graph_target()
        put = urllib.request.Request(target, secret, method="PUT", headers={"Content-Type": "application/n-triples"})
        urllib.request.urlopen(put, timeout=30).read()
        yield endpoint


@pytest.fixture(scope="module")
def recorder(store: str) -> Iterator[Recorder]:
    proxy = Recorder(store)
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def client(recorder: Recorder, catalogue) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    served = RemoteServedStore(Remote(recorder.url), timeout=3)
    settings = Settings(timeout=3, row_cap=1000, max_workers=2, cache_mb=0)
    with TestClient(create_app(served, settings, catalogue=catalogue)) as client:
        yield client


def _bindings(result: SelectResult) -> list[dict[str, str]]:
    """SPARQL JSON bindings built from the library's rdflib terms (not by the server's writer)."""
    out = []
    for row in result.rows:
        binding = {}
        for name, t in zip(result.variables, row, strict=True):
            if t is None:
                continue
            kind = "uri" if type(t).__name__ == "URIRef" else "bnode" if type(t).__name__ == "BNode" else "literal"
            value = {"type": kind, "value": str(t)}
            if kind == "literal" and getattr(t, "language", None):
                value["xml:lang"] = t.language  # type: ignore[attr-defined]
            elif kind == "literal" and getattr(t, "datatype", None) is not None:
                value["datatype"] = str(t.datatype)  # type: ignore[attr-defined]
            binding[name] = value
        out.append(binding)
    return out


def _key(binding: dict[str, dict[str, str]]) -> str:
    return repr(sorted((k, sorted(v.items())) for k, v in binding.items()))


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_canned_query_answers_through_the_store_as_the_library(kg, catalogue, client: TestClient, name: str) -> None:  # type: ignore[no-untyped-def]
    local = catalogue[name].run(kg.store)
    response = client.get(f"/api/queries/{name}")
    assert response.status_code == 200, response.text
    got = response.json()
    assert got["head"]["vars"] == local.variables
    bindings = [
        {k: {a: b for a, b in v.items() if not (a == "datatype" and b.endswith("#string"))} for k, v in row.items()}
        for row in got["results"]["bindings"]
    ]
    expected = _bindings(local)
    if ordered(catalogue[name].text):
        assert bindings == expected
    else:
        assert collections.Counter(map(_key, bindings)) == collections.Counter(map(_key, expected))


def test_service_is_refused_before_anything_reaches_the_store(client: TestClient, recorder: Recorder) -> None:
    before = len(recorder.seen)
    query = f"SELECT * WHERE {{ SERVICE <{recorder.url}> {{ ?s ?p ?o }} }}"
    assert client.get("/sparql", params={"query": query}).status_code == 400
    assert client.post("/sparql", data={"query": "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> {} }"}).status_code == 400
    assert client.post("/sparql", data={"update": f"DROP GRAPH <{DEFAULT_GRAPH}>"}).status_code == 403
    assert client.post(
        "/sparql", content=f"CLEAR GRAPH <{DEFAULT_GRAPH}>", headers={"Content-Type": "application/sparql-update"}
    ).status_code in (403, 415)
    assert len(recorder.seen) == before
    assert client.get("/api/queries/actors").status_code == 200 and len(recorder.seen) == before + 1


def test_the_pool_refuses_a_service_query_itself(client: TestClient, recorder: Recorder) -> None:
    """The second line: a request that got past the endpoint's check never reaches the store either."""
    import asyncio

    pool = client.app.state.k2020.pool  # type: ignore[attr-defined]
    before = len(recorder.seen)
    reply = asyncio.run(pool.run({"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, 3))
    assert reply["ok"] is False and len(recorder.seen) == before


def test_no_query_reads_another_graph_of_the_store(client: TestClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    queries = [
        f"SELECT ?o FROM <{SECRET_GRAPH}> WHERE {{ ?s ?p ?o }}",
        f"SELECT ?o FROM NAMED <{SECRET_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT ?o WHERE {{ GRAPH <{SECRET_GRAPH}> {{ ?s ?p ?o }} }}",
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    ]
    for query in queries:
        response = client.get("/sparql", params={"query": query}, headers=accept)
        assert response.status_code == 200, response.text
        assert SECRET not in response.text and SECRET_GRAPH not in response.text.replace(query, "")
    for params in ({"default-graph-uri": SECRET_GRAPH}, {"named-graph-uri": SECRET_GRAPH}):
        q = "SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        response = client.get("/sparql", params={"query": q, **params}, headers=accept)
        assert response.status_code == 200 and SECRET not in response.text


def test_the_row_cap_holds(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert response.headers["K2020-Truncated"] == "true" and len(rows) == 1001  # the header and 1000 rows
    construct = client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"}
    )
    assert construct.status_code == 200 and construct.text.count(" .\n") == 1000


def test_a_query_past_its_timeout_is_given_up(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": RUNAWAY})
    assert response.status_code == 503 and response.headers.get("Retry-After")
    ok = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_syntax_errors_are_the_clients(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400


def test_the_pages_come_from_the_store(client: TestClient, kg) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/id/tiltak/k2020-1.1", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Menn i helse" in page.text
    turtle = client.get("/id/tiltak/k2020-1.1", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "k2020-1.1" in turtle.text
    status = client.get("/api/status").json()
    assert status["triples"] == len(kg.store)


def test_an_unreachable_store_is_a_503_not_a_crash(catalogue, kg) -> None:  # type: ignore[no-untyped-def]
    from .servers import free_port

    with pytest.raises(Exception, match="cannot reach the store"):
        RemoteServedStore(Remote(f"http://127.0.0.1:{free_port()}/query"), timeout=3)


def test_queries_reuse_one_connection_to_the_store(store: str) -> None:
    """Keep-alive: sequential queries go over the same TCP connection (the same local port), not one each."""
    from k2020graph.server.remote import RemotePool

    served = RemoteServedStore(Remote(store, DEFAULT_GRAPH), timeout=30)
    pool = RemotePool(served.raw)
    ports = set()
    for limit in (1, 2, 3, 4, 5):
        request = {"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {limit}", "results": "json", "row_cap": 100}
        reply = asyncio.run(pool.run(request, 30))
        assert reply["ok"] and reply["count"] == limit
        assert json.loads(reply["body"])["results"]["bindings"]  # the store's JSON, as it came
        conn = served.raw.connections._idle.queue[-1]  # type: ignore[union-attr]
        ports.add(conn.sock.getsockname()[1])
    assert len(ports) == 1


def test_results_past_the_row_cap_are_cut_not_passed_on(store: str) -> None:
    from k2020graph.server.remote import RemotePool

    served = RemoteServedStore(Remote(store, DEFAULT_GRAPH), timeout=30)
    request = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 50", "results": "json", "row_cap": 7}
    reply = asyncio.run(RemotePool(served.raw).run(request, 30))
    body = json.loads(reply["body"])
    assert reply["truncated"] and len(body["results"]["bindings"]) == 7 and body["k2020:truncated"] is True


def test_a_full_pool_waits_for_a_slot_and_says_busy_when_none_comes(store: str) -> None:
    """Every slot taken: a request waits for one (and runs when one is freed), or is answered busy at its timeout."""
    import threading

    from k2020graph.server.pool import QueryTimeout
    from k2020graph.server.remote import RemotePool

    served = RemoteServedStore(Remote(store, DEFAULT_GRAPH), timeout=30)
    pool = RemotePool(served.raw, max_size=1)
    request = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "results": "json", "row_cap": 100}
    assert pool._slots.acquire(blocking=False)  # the one slot, held as a running request holds it
    with pytest.raises(QueryTimeout) as busy:
        asyncio.run(pool.run(request, 0.3))
    assert busy.value.busy
    threading.Timer(0.3, pool._slots.release).start()  # the running request ends while this one waits
    reply = asyncio.run(pool.run(request, 10))
    assert reply["ok"] and reply["count"] == 3
    assert pool.health()["ready"] == 1  # its slot given back


def test_a_request_past_its_timeout_is_answered_busy_even_when_other_threads_are_all_taken(store: str) -> None:
    """Found at 10M triples: queries given up at their timeout kept asyncio's shared threads, the wait for a slot
    queued behind them, and a request with a 120 s timeout was answered after 444 s. The wait must need no thread."""
    import concurrent.futures
    import time

    from k2020graph.server.pool import QueryTimeout
    from k2020graph.server.remote import RemotePool

    served = RemoteServedStore(Remote(store, DEFAULT_GRAPH), timeout=30)
    pool = RemotePool(served.raw, max_size=1)
    request = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "results": "json", "row_cap": 100}

    async def scenario() -> tuple[float, dict[str, object]]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(1))
        hold = loop.run_in_executor(None, time.sleep, 4.0)  # every shared thread taken (given-up requests)
        assert pool._slots.acquire(blocking=False)  # and the pool's one slot, by a request still running
        began = time.monotonic()
        with pytest.raises(QueryTimeout) as busy:
            await pool.run(request, 0.5)
        waited = time.monotonic() - began
        assert busy.value.busy
        pool._slots.release()
        reply = await pool.run(request, 3.0)  # a free slot: it runs, whatever the shared threads do
        await hold
        return waited, reply

    waited, reply = asyncio.run(scenario())
    assert waited < 2.0, f"answered busy after {waited:.1f} s, not at its 0.5 s timeout"
    assert reply["ok"] and reply["count"] == 3


def test_an_unreadable_answer_frees_the_result_reader_on_its_own_thread() -> None:
    """Found at 10M triples: an answer that broke off mid-stream raised an error whose traceback held pyoxigraph's
    result iterator into the event loop's thread, where it could not be freed ("unsendable, but is being dropped
    on another thread", leaked). The error must reach the caller without it."""
    import gc
    import sys

    from k2020graph.server.pool import WorkerLost
    from k2020graph.server.remote import RemotePool, RemoteRaw

    broken = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://a.example/"}},{"s":{"ty'

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(broken)))
            self.end_headers()
            self.wfile.write(broken)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    unraisable: list[str] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda info: unraisable.append(f"{info.exc_type.__name__}: {info.exc_value}")
    try:
        pool = RemotePool(RemoteRaw(Remote(f"http://127.0.0.1:{server.server_address[1]}/query"), timeout=5))
        request = {"query": "SELECT ?s WHERE { ?s ?p ?o }", "results": "json", "row_cap": 100}
        with pytest.raises(WorkerLost, match="unreadable answer"):
            asyncio.run(pool.run(request, 5))
        gc.collect()
    finally:
        sys.unraisablehook = previous
        server.shutdown()
        server.server_close()
    assert not [u for u in unraisable if "unsendable" in u], unraisable
