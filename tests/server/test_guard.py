"""The text check before a query runs: its form, and SERVICE/LOAD found only where they are keywords."""

from __future__ import annotations

import pytest

from k2020graph.server.guard import inspect, tokenize


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


def test_tokenizer_kinds() -> None:
    tokens = list(tokenize('PREFIX ex: <http://e/> SELECT ?x WHERE { ?x ex:p "a\\"b"@en , 3.5 . } # c'))
    kinds = [t.kind for t in tokens]
    assert kinds == [
        "word", "pname", "iri", "word", "var", "word", "punct", "var", "pname", "string", "lang", "punct", "number", "punct",
        "punct",
    ]  # fmt: skip
    assert tokens[9].text == '"a\\"b"'


def test_a_less_than_is_not_an_iri() -> None:
    tokens = list(tokenize("FILTER(?a < ?b && ?c > 2) SERVICE <http://e/>"))
    assert any(t.kind == "word" and t.text == "SERVICE" for t in tokens)
