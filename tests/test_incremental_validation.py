"""Incremental validation (validate_incremental) gives exactly the full re-validation's results.

Many random changes, generated with fixed seeds, on the repository's own data: single triples removed,
objects replaced, types dropped or added, literals retyped, whole resources removed, and one-tiltak edits
(a tiltak's notation, strategy and measure changed at once). After each, the incremental report must equal
a full validation of the changed data, result for result (the full validation itself is checked against
pyshacl in tests/test_validation_engines.py).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from k2020graph import shacl
from k2020graph.namespaces import K2
from k2020graph.validation import ValidationReport, validate_graphs, validate_incremental

Triple = tuple


def keys(report: ValidationReport) -> Counter:
    return Counter(
        (r.focus, r.severity, r.source_shape, r.value, r.constraint, tuple(sorted(r.messages.items()))) for r in report.results
    )


@pytest.fixture(scope="module")
def base(kg):  # type: ignore[no-untyped-def]
    compiled = shacl.compile_shapes(kg.shapes_graph)
    report = validate_graphs(kg.data_graph, kg.shapes_graph, kg.ontology_graph, engine="fast")
    triples = sorted(kg.data_graph, key=lambda t: tuple(str(x) for x in t))
    return kg, compiled, report, triples


def random_change(rng: random.Random, data: Graph, triples: list[Triple]) -> tuple[list[Triple], list[Triple]]:
    s, p, o = rng.choice(triples)
    kind = rng.choice(["remove", "replace", "untype", "retype", "literal", "drop-resource", "add-ref", "tiltak"])
    if kind == "remove":
        return [], [(s, p, o)]
    if kind == "replace":
        other = rng.choice(triples)
        return [(s, p, other[2])], [(s, p, o)]
    if kind == "untype":
        return [], list(data.triples((s, RDF.type, None)))
    if kind == "retype":
        cls = rng.choice([K2.Tiltak, K2.TiltakRecord, K2.Measure, K2.Continuation, K2.SourceLocation, K2.Strategy])
        return [(s, RDF.type, cls)], []
    if kind == "literal" and isinstance(o, Literal):
        new = rng.choice([Literal("x"), Literal("2020", datatype=XSD.gYear), Literal(-3), Literal("1.1")])
        return [(s, p, new)], [(s, p, o)]
    if kind == "drop-resource":
        return [], list(data.triples((s, None, None)))
    if kind == "add-ref":
        target = rng.choice(triples)[0]
        pred = rng.choice([K2.crossListedWith, K2.referencesTiltak, K2.measure, K2.fromTiltak, K2.toTiltak])
        return [(s, pred, target)], []
    # a one-tiltak edit: number, strategy and measure of one tiltak changed together
    tiltak = sorted(data.subjects(RDF.type, K2.Tiltak), key=str)
    t = rng.choice(tiltak)
    removed = [x for pred in (SKOS.notation, K2.strategy, K2.measure) for x in data.triples((t, pred, None))]
    strategies = sorted(data.subjects(RDF.type, K2.Strategy), key=str)
    added = [
        (t, SKOS.notation, Literal(rng.choice(["1.1", "7.3", "2.10", "01.2"]))),
        (t, K2.strategy, rng.choice(strategies)),
        (t, RDFS.comment, Literal("endret", lang="nb")),
    ]
    return added, removed


def apply(data: Graph, added: list[Triple], removed: list[Triple]) -> Graph:
    out = Graph()
    for t in data:
        out.add(t)
    for t in removed:
        out.remove(t)
    for t in added:
        out.add(t)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_random_change_equals_full_validation(base, seed: int) -> None:  # type: ignore[no-untyped-def]
    kg, compiled, report, triples = base
    rng = random.Random(seed)
    added, removed = random_change(rng, kg.data_graph, triples)
    changed = apply(kg.data_graph, added, removed)
    incremental = validate_incremental(report, kg.data_graph, changed, added, removed, compiled, kg.ontology_graph)
    full = validate_graphs(changed, kg.shapes_graph, kg.ontology_graph, engine="fast")
    a, b = keys(incremental), keys(full)
    assert a == b, f"only incremental: {list((a - b).elements())}\nonly full: {list((b - a).elements())}"
    assert incremental.conforms == full.conforms


def test_several_changes_in_a_row(base) -> None:  # type: ignore[no-untyped-def]
    """Each report is built from the previous incremental one, not from a full validation."""
    kg, compiled, report, triples = base
    rng = random.Random(1234)
    data = kg.data_graph
    for _ in range(6):
        added, removed = random_change(rng, data, triples)
        changed = apply(data, added, removed)
        report = validate_incremental(report, data, changed, added, removed, compiled, kg.ontology_graph)
        data = changed
    full = validate_graphs(data, kg.shapes_graph, kg.ontology_graph, engine="fast")
    assert keys(report) == keys(full)


def test_a_change_that_breaks_a_rule_is_reported(base) -> None:  # type: ignore[no-untyped-def]
    """Removing a tiltak's k2:measure: K2020TiltakHasMeasure fires for that tiltak (from the shapes' text)."""
    kg, compiled, report, _triples = base
    tiltak = URIRef("https://w3id.org/k2020graph/id/tiltak/k2020-1.1")
    removed = list(kg.data_graph.triples((tiltak, K2.measure, None)))
    assert removed
    changed = apply(kg.data_graph, [], removed)
    incremental = validate_incremental(report, kg.data_graph, changed, [], removed, compiled, kg.ontology_graph)
    fired = {(r.focus, str(r.source_shape).rsplit("#", 1)[1]) for r in incremental.results}
    assert (tiltak, "TiltakShape-k2020Measure") in fired
    assert not incremental.conforms


def test_a_typo_iri_is_caught_by_the_closure_rule(base) -> None:  # type: ignore[no-untyped-def]
    """A reference to an undeclared id/ IRI: IdIrisTyped (a value-by-value rule) reports it."""
    kg, compiled, report, _triples = base
    tiltak = URIRef("https://w3id.org/k2020graph/id/tiltak/k2020-1.1")
    typo = URIRef("https://w3id.org/k2020graph/id/tiltak/k2020-1.99")
    added = [(tiltak, K2.crossListedWith, typo)]
    changed = apply(kg.data_graph, added, [])
    incremental = validate_incremental(report, kg.data_graph, changed, added, [], compiled, kg.ontology_graph)
    assert typo in {r.value for r in incremental.results if str(r.source_shape).endswith("GraphClosureShape")}
    assert keys(incremental) == keys(validate_graphs(changed, kg.shapes_graph, kg.ontology_graph, engine="fast"))


def test_subclass_change_falls_back_to_full_validation(base) -> None:  # type: ignore[no-untyped-def]
    kg, compiled, report, _triples = base
    added = [(K2.Tiltak, RDFS.subClassOf, K2.Measure)]
    changed = apply(kg.data_graph, added, [])
    assert shacl.incremental_results([], compiled, kg.data_graph, changed, added, [], kg.ontology_graph) is None
    incremental = validate_incremental(report, kg.data_graph, changed, added, [], compiled, kg.ontology_graph)
    assert keys(incremental) == keys(validate_graphs(changed, kg.shapes_graph, kg.ontology_graph, engine="fast"))


def test_a_small_change_revalidates_few_focus_nodes(base) -> None:  # type: ignore[no-untyped-def]
    """The dependency rule bounds the work: a one-triple edit of a tiltak touches a handful of nodes."""
    kg, compiled, _report, _triples = base
    tiltak = URIRef("https://w3id.org/k2020graph/id/tiltak/k2020-1.1")
    delta = [(tiltak, RDFS.comment, Literal("x"))]
    views = [shacl.View([kg.data_graph, kg.ontology_graph])] * 2
    total = 0
    nodes: set[object] = set()
    for shape in compiled.shapes:
        if shape.value_local:
            continue
        affected = shacl.affected_focus_nodes(shape, delta, views, views[1])
        assert affected is not None, shape.node
        total += len(affected)
        nodes |= affected
    # (focus node, shape) pairs: the changed tiltak once per shape, plus what its neighbours add; one more
    # shape adds one pair, so the bound counts the shapes
    assert 0 < total < len(compiled.shapes) + 10
    assert 0 < len(nodes) < 10  # the nodes re-validated at all
