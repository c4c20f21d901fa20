"""The fast engine on a store already loaded (``held``, what ``k2020graph validate`` passes) gives the same
report as on the store it builds itself from the rdflib graphs, and refuses a store that could differ."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from k2020graph.loading import KnowledgeGraph, parse_quads
from k2020graph.shacl import held_store
from k2020graph.validation import ValidationReport, validate_graphs


def test_held_store_gives_the_same_report_as_a_store_built_from_the_graphs(
    kg: KnowledgeGraph, repository_report: ValidationReport
) -> None:
    held = kg.held_store()
    assert held is not None  # the repository's literals are all spelled as rdflib spells them
    report = validate_graphs(kg.data_and_derived_graph, kg.shapes_graph, kg.ontology_graph, engine="fast", held=held)
    assert report.results == repository_report.results
    # Some results carry typed literal values out of the SPARQL constraints, which the literal map gives back
    # as the data's own terms: the comparison above covers that road.
    assert any(r.value is not None and getattr(r.value, "datatype", None) is not None for r in report.results)


def _quads(turtle: str) -> list[ox.Quad]:
    return parse_quads(turtle.encode(), Path("held.ttl"))


def _store(quads: list[ox.Quad]) -> ox.Store:
    store = ox.Store()
    store.bulk_extend(quads)
    return store


def test_held_store_is_refused_where_rdflib_would_respell_a_literal() -> None:
    prefix = "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    # rdflib normalises "01"^^xsd:integer to "1" (and "1"^^xsd:boolean to "true"): a store built from the
    # rdflib graphs would hold the other spelling, so the loaded store cannot stand in for it.
    for literal in ('"01"^^xsd:integer', '"1"^^xsd:boolean'):
        quads = _quads(prefix + f"<http://example.org/a> <http://example.org/p> {literal} .")
        assert held_store(_store(quads), quads) is None, literal
    quads = _quads(prefix + '<http://example.org/a> <http://example.org/p> "1"^^xsd:integer, "1.50"^^xsd:decimal, "x"@nb .')
    held = held_store(_store(quads), quads)
    assert held is not None
    assert sorted(map(str, held.literals.values())) == ["1.50"]  # what the store respells, in the data's spelling


def test_held_store_is_refused_where_two_spellings_are_one_value_to_the_store() -> None:
    # rdflib keeps both spellings (two triples); the store holds one value, so one triple: a maxCount 1
    # would pass on the store and fail in pyshacl.
    quads = _quads(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<http://example.org/a> <http://example.org/p> "1.50"^^xsd:decimal, "1.5"^^xsd:decimal .'
    )
    assert len(list(_store(quads))) == 1 and len(quads) == 2  # what the refusal is about
    assert held_store(_store(quads), quads) is None


_SPELLING_DATA = """@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a a ex:T ; ex:amount "1.50"^^xsd:decimal ."""

_SPELLING_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetClass ex:T ;
    sh:property [ sh:path ex:amount ; sh:pattern "^1[.]5$" ; sh:message "p" ] ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:message "m" ;
        sh:select "SELECT $this ?value WHERE { $this <http://example.org/amount> ?value }" ] ."""


def test_typed_literals_keep_the_data_spelling_in_the_fast_engine() -> None:
    """The store gives "1.50"^^xsd:decimal back as "1.5": the report, the SPARQL constraints' values and the
    core constraints (sh:pattern reads the spelling) must see the data's "1.50", as pyshacl does."""
    from rdflib import Graph

    data = Graph().parse(data=_SPELLING_DATA, format="turtle")
    shapes = Graph().parse(data=_SPELLING_SHAPES, format="turtle")
    quads = _quads(_SPELLING_DATA)
    held = held_store(_store(quads), quads)
    assert held is not None
    reference = validate_graphs(data, shapes, engine="pyshacl")

    def key(report: ValidationReport) -> list[tuple[str, str, str]]:
        return sorted((str(r.value), str(getattr(r.value, "datatype", "")), str(r.constraint)) for r in report.results)

    assert ("1.50", "http://www.w3.org/2001/XMLSchema#decimal") in {k[:2] for k in key(reference)}
    assert key(validate_graphs(data, shapes, engine="fast")) == key(reference)  # a store built from the graphs
    assert key(validate_graphs(data, shapes, engine="fast", held=held)) == key(reference)  # the loaded store


def test_a_view_of_the_held_store_answers_like_the_graphs(kg: KnowledgeGraph) -> None:
    """The CLI validates on ``held.view``, the loaded store read directly, without rdflib graphs behind it."""
    from rdflib import URIRef

    from k2020graph.shacl import View

    held = kg.held_store()
    assert held is not None
    alone, graphs = held.view, View([kg.data_and_derived_graph, kg.ontology_graph])
    triples = list(alone.triples((None, None, None)))
    assert len(triples) == len(set(triples))
    assert set(triples) == set(kg.data_and_derived_graph) | set(kg.ontology_graph)
    for t in triples[::25]:
        assert alone.contains(t) and graphs.contains(t)
        assert alone.objects(t[0], t[1]) == graphs.objects(t[0], t[1])
        assert alone.objects(t[0], None) == graphs.objects(t[0], None)
        assert alone.subjects(t[1], t[2]) == graphs.subjects(t[1], t[2])
    p = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    assert alone.subjects_of(p) == graphs.subjects_of(p)
    missing = (URIRef("http://example.org/no"), URIRef("http://example.org/such"), URIRef("http://example.org/triple"))
    assert not alone.contains(missing) and not graphs.contains(missing)


def test_a_canonical_integer_is_spelled_alike_by_rdflib_and_the_store() -> None:
    """held_store skips such literals (most of the data's typed ones) on the strength of this."""
    import random

    from rdflib import Literal
    from rdflib.namespace import XSD

    from k2020graph.shacl import CANONICAL_INTEGER

    rng = random.Random(7)
    numbers = [0, 1, -1, 9, 10, -10, 2**63 - 1, -(2**63), 2**64, 10**30] + [rng.randint(-(10**12), 10**12) for _ in range(500)]
    spellings = [str(n) for n in numbers]
    quads = _quads("".join(f'<http://example.org/a> <http://example.org/p> "{s}"^^<{XSD.integer}> .\n' for s in spellings))
    stored = {q.object.value for q in _store(quads)}
    for s in spellings:
        assert CANONICAL_INTEGER.fullmatch(s)
        assert str(Literal(s, datatype=XSD.integer)) == s
        assert s in stored
    for s in ("01", "+1", "-0", "1.0", " 1", "1_000", "١"):
        assert not CANONICAL_INTEGER.fullmatch(s), s  # each goes the long way (rdflib or the store respells it)
