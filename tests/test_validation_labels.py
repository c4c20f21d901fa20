"""A validation report names its focus nodes by their labels, from the data and from the ontology (a gap
found by mutation testing, docs/mutation.md). The shapes here are a tiny SHACL graph of the test's own."""

from __future__ import annotations

from rdflib import Graph

from k2020graph.validation import validate_graphs

PREFIXES = """@prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""
SHAPES = PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ."


def test_focus_nodes_are_labelled_from_data_and_ontology() -> None:
    data = Graph().parse(data=PREFIXES + 'ex:a a ex:T ; rdfs:label "Tiltak A"@nb . ex:b a ex:T .', format="turtle")
    ontology = Graph().parse(data=PREFIXES + 'ex:b skos:prefLabel "Tiltak B"@en .', format="turtle")
    report = validate_graphs(data, Graph().parse(data=SHAPES, format="turtle"), ontology)
    focus = sorted(str(r.focus) for r in report.results)
    assert focus == ["http://example.org/a", "http://example.org/b"]
    a, b = (next(r.focus for r in report.results if str(r.focus).endswith(x)) for x in ("a", "b"))
    assert report.label(a, "nb") == "Tiltak A"
    assert report.label(b, "en") == "Tiltak B" and report.label(b, "nb") == "Tiltak B"  # no bokmål: the English one
