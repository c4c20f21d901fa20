"""The store interface: the embedded store, rdflib's engine and a real remote Oxigraph server agree."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from k2020graph.store import AskResult, GraphResult, OxigraphStore, RdflibStore, SelectResult, SparqlEndpointStore, Store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def oxigraph_server(kg) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A real Oxigraph server on 127.0.0.1, loaded with the repository's graph over the Graph Store Protocol."""
    exe = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the oxigraph server (PyPI 'oxigraph') is not installed")
    port = _free_port()
    proc = subprocess.Popen([exe, "serve", "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("oxigraph server did not start")
        body = kg.store.dump()
        req = urllib.request.Request(
            base + "/store?default", data=body, method="PUT", headers={"Content-Type": "application/n-triples"}
        )
        urllib.request.urlopen(req, timeout=30).read()
        yield base + "/query"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _rows(result) -> set[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    assert isinstance(result, SelectResult)
    return {tuple("" if t is None else str(t) for t in row) for row in result.rows}


def test_stores_satisfy_the_interface(kg, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    for store in (kg.store, RdflibStore(kg.full_graph), SparqlEndpointStore(oxigraph_server)):
        assert isinstance(store, Store)
        assert len(store) == len(kg.full_graph)


@pytest.mark.parametrize("division", ["PH", "KP", "FL"])
def test_headline_query_agrees_on_every_store(kg, catalogue, oxigraph_server, division: str) -> None:  # type: ignore[no-untyped-def]
    query = catalogue["continued-into-k2025"]
    embedded = _rows(query.run(kg.store, {"division": division}))
    assert _rows(query.run(RdflibStore(kg.full_graph), {"division": division})) == embedded
    assert _rows(query.run(SparqlEndpointStore(oxigraph_server), {"division": division})) == embedded
    assert embedded and all(division in row for row in embedded)


def test_ask_and_construct(kg, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    ask = "ASK { ?t a <https://w3id.org/k2020graph/def#Tiltak> }"
    construct = "CONSTRUCT { ?t ?p ?o } WHERE { ?t a <https://w3id.org/k2020graph/def#Tiltak> ; ?p ?o }"
    for store in (kg.store, RdflibStore(kg.full_graph), SparqlEndpointStore(oxigraph_server)):
        result = store.query(ask)
        assert isinstance(result, AskResult) and result.value is True
        graph = store.query(construct)
        assert isinstance(graph, GraphResult) and len(graph.graph) > 500


def test_bindings_are_terms_not_text(kg) -> None:  # type: ignore[no-untyped-def]
    """A value that looks like SPARQL is just a literal that matches nothing."""
    sneaky = Literal('PH" } UNION { ?s ?p ?o } #')
    q = "SELECT ?s ?code WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> ?code }"
    for store in (kg.store, RdflibStore(kg.full_graph)):
        result = store.query(q, {"code": sneaky})
        assert isinstance(result, SelectResult) and result.rows == []


def test_version_changes_with_the_data(kg) -> None:  # type: ignore[no-untyped-def]
    quads = list(kg.store.raw)
    same = OxigraphStore(quads)
    fewer = OxigraphStore(quads[1:])
    assert same.version == kg.store.version != fewer.version


def test_version_changes_when_a_value_is_edited_in_place(kg) -> None:  # type: ignore[no-untyped-def]
    """Same number of triples, one literal edited: the ETag and cache keys must not stay the same."""
    import pyoxigraph as ox

    quads = list(kg.store.raw)
    i = next(i for i, q in enumerate(quads) if isinstance(q.object, ox.Literal))
    edited = list(quads)
    edited[i] = ox.Quad(quads[i].subject, quads[i].predicate, ox.Literal(quads[i].object.value + "x"), quads[i].graph_name)
    assert len(OxigraphStore(edited)) == len(kg.store)
    assert OxigraphStore(edited).version != kg.store.version
    graph = Graph()
    for s, p, o in kg.full_graph:
        graph.add((s, p, o))
    before = RdflibStore(graph).version
    s, p, o = next((s, p, o) for s, p, o in graph if isinstance(o, Literal))
    graph.remove((s, p, o))
    graph.add((s, p, Literal(str(o) + "x", lang=o.language, datatype=o.datatype)))
    assert RdflibStore(graph).version != before


@pytest.mark.parametrize(
    "query",
    [
        # the bound variable's copy in a subquery is free in rdflib's initBindings: only the join keeps it bound
        "SELECT ?s ?n WHERE { { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s } }",
        # a BIND to the bound variable: rdflib's initBindings let it override the binding
        "SELECT ?s WHERE { BIND(<urn:x:b> AS ?s) }",
    ],
)
def test_the_rdflib_store_binds_as_pyoxigraph_substitutes(query: str) -> None:
    """The reference engine binds parameters with the same meaning as the hot path (SEP-0007 in pyoxigraph)."""
    import pyoxigraph as ox
    from rdflib import URIRef

    from k2020graph.terms import to_oxigraph

    g = Graph().parse(data="<urn:x:a> <urn:x:p> 1 , 2 . <urn:x:b> <urn:x:p> 3 .", format="turtle")
    ox_store = OxigraphStore([ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph()) for s, p, o in g])  # type: ignore[arg-type]
    bindings = {"s": URIRef("urn:x:a")}
    ours, theirs = RdflibStore(g).query(query, bindings), ox_store.query(query, bindings)
    assert isinstance(ours, SelectResult) and isinstance(theirs, SelectResult)
    assert [tuple(str(v) for v in r) for r in ours.rows] == [tuple(str(v) for v in r) for r in theirs.rows]


@pytest.mark.parametrize(
    ("query", "form"),
    [
        # every other line of a comment block survived SPARQLWrapper's cleaning, and "address" read as ADD
        ("#+ help@nb: adressen\n#+ help@en: the address of the cell's page\n#+ x\nSELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("PREFIX ex: <http://x/select#add>\nASK { ?s ex:add ?select }", "ASK"),
        ("SELECT * WHERE { ?s ?p 'DELETE' }", "SELECT"),
        ("construct { ?s ?p ?o } where { ?s ?p ?o }", "CONSTRUCT"),
        ("INSERT DATA { <a:b> <a:c> 1 }", "INSERT"),
    ],
)
def test_the_query_form_is_read_past_comments_strings_and_iris(query: str, form: str) -> None:
    from k2020graph.store import query_form, sparqlwrapper_for

    assert query_form(query) == form
    assert sparqlwrapper_for("http://127.0.0.1:1/sparql", query).queryType == form
