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
    assert sorted(map(str, held.literals.values())) == ["1", "1.50"]  # typed ones only, in the data's spelling


def test_a_view_of_the_held_triples_alone_answers_like_the_graphs(kg: KnowledgeGraph) -> None:
    """The CLI validates on ``IndexedView([], index=held.index)``, without rdflib graphs behind it."""
    from rdflib import URIRef

    from k2020graph.shacl import IndexedView, View

    held = kg.held_store()
    assert held is not None
    alone, graphs = IndexedView([], index=held.index), View([kg.data_and_derived_graph, kg.ontology_graph])
    triples = list(held.triples)
    assert len(triples) == len(set(triples)) == len(set(kg.data_and_derived_graph) | set(kg.ontology_graph))
    for t in triples[:500]:
        assert alone.contains(t) and graphs.contains(t)
        assert alone.objects(t[0], t[1]) == graphs.objects(t[0], t[1])
        assert alone.subjects(t[1], t[2]) == graphs.subjects(t[1], t[2])
    missing = (URIRef("http://example.org/no"), URIRef("http://example.org/such"), URIRef("http://example.org/triple"))
    assert not alone.contains(missing) and not graphs.contains(missing)
