"""The text check before a query runs: its form, and SERVICE/LOAD found only where they are keywords."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from k2020graph.server.guard import QUERY_FORMS, inspect

CANNED = sorted((Path(__file__).resolve().parents[2] / "queries").glob("*.rq"))


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("prefix ex: <http://ex/>\nbase <http://b/>\nconstruct { ?s ?p ?o } where { ?s ?p ?o }", "CONSTRUCT"),
        ("# a comment with SELECT\nASK { ?s ?p ?o }", "ASK"),
        ("DESCRIBE <http://ex/a>", "DESCRIBE"),
        ("INSERT DATA { <a> <b> <c> }", "UPDATE"),
        ("PREFIX ex: <http://ex/> DELETE WHERE { ?s ?p ?o }", "UPDATE"),
        ("LOAD <http://example.org/data.ttl>", "UPDATE"),
        ("CLEAR ALL", "UPDATE"),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
        ("FOO BAR", None),
        ("", None),
    ],
)
def test_form(query: str, form: str | None) -> None:
    assert inspect(query).form == form


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?x ?y ?z SERVICE ?endpoint { ?s ?p ?o } }",
        'SELECT * WHERE { BIND("x" AS ?a) SERVICE<http://e/>{?s ?p ?o} }',
        "SELECT * WHERE { # comment\n SERVICE <http://e/> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://e/> { ?s ?p ?o } }",  # a codepoint escape, replaced before parsing
        "LOAD <http://example.org/data.ttl>",
        "load silent <file:///etc/passwd> into graph <http://g>",
    ],
)
def test_fetching_is_found(query: str) -> None:
    found = inspect(query)
    assert found.refusal in ("SERVICE", "LOAD")


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://e/>" }',
        "SELECT * WHERE { ?s ?p '''a\nSERVICE <http://e/> { }''' }",
        "SELECT * WHERE { ?s <http://example.org/service> ?o }",
        "PREFIX service: <http://ex/> SELECT * WHERE { ?s service:load ?o }",
        "PREFIX ex: <http://ex/> SELECT ?service ?load WHERE { ?service ex:SERVICE ?load }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://e/> in a comment",
        'SELECT * WHERE { ?s ?p "x"@service }',
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3) } # LOAD",
    ],
)
def test_harmless_mentions_pass(query: str) -> None:
    assert inspect(query).refusal is None


#: Issue 8, item 6: the engine read ``true.SERVICE`` as ``true`` ``.`` ``SERVICE`` (the guard saw one word).
ISSUE_8_6 = "SELECT * WHERE { ?s ?p true.SERVICE SILENT <http://127.0.0.1:18090/> {?a ?b ?c} } LIMIT 1"


def test_the_issue_8_bypass_is_found() -> None:
    assert inspect(ISSUE_8_6).refusal == "SERVICE"


def test_the_issue_8_request_is_refused(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": ISSUE_8_6})
    assert r.status_code == 400
    assert "SERVICE" in r.text and "fetch a URL" in r.text
    r = client.post("/sparql", content=ISSUE_8_6.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400


def test_the_canned_queries_pass() -> None:
    assert len(CANNED) > 20
    for path in CANNED:
        found = inspect(path.read_text(encoding="utf-8"))
        assert found.refusal is None and found.form in QUERY_FORMS, path.name


@pytest.mark.parametrize(
    "query",
    [
        # Oxigraph's keywords need no word boundary: each of these made it open a connection.
        "SELECT * WHERE { ?s ?p false.SERVICE <http://e/> {?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p trueSERVICE <http://e/> {?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p 1.SERVICE <http://e/> {?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p 1SERVICE <http://e/> {?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p +1.SERVICE <http://e/> {?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p ?o.SERVICE <http://e/> {?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p [].SERVICE <http://e/> {?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p ?o SERVICESILENT <http://e/> {?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p ?o SERVICE SILENT<http://e/>{?a ?b ?c} }",
        "SELECT * WHERE { ?s ?p ?o OPTIONAL{?s ?p ?o}SERVICE <http://e/> {} }",
        "SELECT * WHERE { BIND(1 AS ?z)SERVICE <http://e/> {} }",
        "SELECT * WHERE { VALUES ?z {1}SERVICE <http://e/> {} }",
        "SELECT * WHERE { ?s ?p ?o SERVICE # a comment\n <http://e/> # another\n {} }",
        "PREFIX : <http://e/> SELECT * WHERE { ?s ?p ?o SERVICE: {} }",
        "PREFIX : <http://e/> SELECT * WHERE { ?s ?p ?o SERVICEsilent:x{} }",
        # ex:SERVICE is no valid IRI under this prefix, so the engine falls back to ex: and a SERVICE.
        "PREFIX ex: <http://[::1]> SELECT * WHERE { ?s ?p ex:SERVICE <http://e/> {} }",
        # A less-than the guard could take for an IRI, and a comment that is not one inside it.
        "SELECT * WHERE { ?s ?p ?o FILTER(?o<?o||true) SERVICE <http://e/> {} }",
        "PREFIX : <http://e/> SELECT * WHERE { ?s ?p ?o FILTER(!(?o<?o))SERVICE:#>\n{} }",
        # A long string with a bad escape is read as '' and a short string by the engine.
        "SELECT * WHERE { VALUES ?x { '''}' } SERVICE <http://e/> {} # \\uD800'''\n}",
    ],
)
def test_disguises_the_engine_reads_as_service(query: str) -> None:
    assert inspect(query).refusal == "SERVICE"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?service ?x { ?service ?p ?x }",  # WHERE is optional: ?service then ?x then {
        "SELECT * WHERE { VALUES ?service { <http://e/> } }",
        "SELECT * WHERE { GRAPH ?service { ?s ?p ?o } }",
        "PREFIX ex: <http://ex/> SELECT * WHERE { ?s ex:download <http://ex/file> }",
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT * WHERE { ?s ?p '''SERVICE <http://e/> {}''' }",
    ],
)
def test_look_alikes_pass(query: str) -> None:
    assert inspect(query).refusal is None


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://ex/>INSERT DATA { <http://a> <http://b> <http://c> }",
        "insertdata{<http://a> <http://b> <http://c>}",
        "# SELECT\nDELETE WHERE { ?s ?p ?o }",
        "BASE<http://b/>PREFIX a:<http://a/>CLEAR ALL",
        "LOAD<http://example.org/data.ttl>",
        "\\u0049NSERT DATA { <http://a> <http://b> <http://c> }",
    ],
)
def test_updates_in_disguise_are_updates(query: str) -> None:
    assert inspect(query).form == "UPDATE"


def test_a_less_than_is_not_an_iri() -> None:
    assert inspect("SELECT * { ?a ?b ?c FILTER(?a < ?b && ?c > 2) SERVICE <http://e/> {} }").refusal == "SERVICE"
