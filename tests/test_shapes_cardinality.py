"""Every sh:minCount of the shapes file fires when its property is missing (a gap found by mutation testing,
docs/mutation.md: ``sh:minCount 1 -> 0`` on a tiltak's skos:notation survived every other test).

The cases are derived from the shapes file, not listed by hand: for each property shape with a plain
predicate path and ``sh:minCount`` of 1 or more, its own pass fixture (``tests/shapes/<shape>.pass.ttl``,
which conforms completely) loses every triple with that predicate, and validation through the library
must then report that shape's minCount constraint.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from k2020graph.namespaces import K2SH
from k2020graph.validation import validate_graphs

ROOT = Path(__file__).resolve().parent.parent
SHAPES_FILE = ROOT / "shapes" / "k2020-shapes.ttl"
FIXTURES = ROOT / "tests" / "shapes"


@cache
def graph(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@cache
def ontology() -> Graph:
    g = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def min_count_shapes() -> list[tuple[str, URIRef, int]]:
    shapes = graph(SHAPES_FILE)
    found = []
    for shape in shapes.subjects(RDF.type, SH.PropertyShape):
        count = shapes.value(shape, SH.minCount)
        path = shapes.value(shape, SH.path)
        if isinstance(count, Literal) and int(count) > 0 and isinstance(path, URIRef) and isinstance(shape, URIRef):
            found.append((str(shape).removeprefix(str(K2SH)), path, int(count)))
    return sorted(found)


CASES = min_count_shapes()

#: The property shapes that require their property (sh:minCount >= 1), pinned: dropping or adding a
#: requirement in the shapes file is a decision that shows up here, not a silent change.
REQUIRED = {
    "ActorGroupShape-name",
    "ActorGroupShape-source",
    "ChangeEventShape-original",
    "ChangeEventShape-resulting",
    "ChangeEventShape-source",
    "ConceptShape-inScheme",
    "ConceptShape-prefLabel",
    "ContinuationShape-fromTiltak",
    "ContinuationShape-source",
    "ContinuationShape-toTiltak",
    "FigureShape-about",
    "FigureShape-quantity",
    "FigureShape-quote",
    "FigureShape-source",
    "FigureShape-unit",
    "FigureShape-value",
    "FormalOrganizationShape-name",
    "FormalOrganizationShape-source",
    "FundingFlowShape-grantor",
    "FundingFlowShape-quote",
    "FundingFlowShape-recipient",
    "FundingFlowShape-source",
    "GrantSchemeShape-name",
    "GrantSchemeShape-source",
    "MeasureShape-label",
    "MeasureShape-source",
    "OrganizationalUnitShape-name",
    "OrganizationalUnitShape-source",
    "OrganizationalUnitShape-unitOf",
    "PlanShape-source",
    "SourceDocumentShape-fileName",
    "SourceDocumentShape-title",
    "SourceLocationShape-isPartOf",
    "SourceLocationShape-lineEnd",
    "SourceLocationShape-lineStart",
    "StrategyShape-inPlan",
    "StrategyShape-source",
    "TiltakRecordShape-recordOf",
    "TiltakRecordShape-source",
    "TiltakShape-inPlan",
    "TiltakShape-label",
    "TiltakShape-notation",
    "TiltakShape-source",
}


def test_the_required_properties_are_the_pinned_ones() -> None:
    names = {name for name, _path, _count in CASES}
    assert names == REQUIRED, f"no longer required: {sorted(REQUIRED - names)}; newly required: {sorted(names - REQUIRED)}"


@pytest.mark.parametrize(("name", "path", "count"), CASES, ids=[c[0] for c in CASES])
def test_a_missing_required_property_fires_its_min_count(name: str, path: URIRef, count: int) -> None:
    fixture = FIXTURES / f"{name}.pass.ttl"
    assert fixture.exists(), f"{name} has sh:minCount {count} but no pass fixture {fixture.name} to derive the case from"
    data = Graph()
    for triple in graph(fixture):
        data.add(triple)
    assert (None, path, None) in data, f"{fixture.name} has no {path} to remove"
    data.remove((None, path, None))
    report = validate_graphs(data, graph(SHAPES_FILE), ontology())
    fired = [r for r in report.results if r.source_shape == K2SH[name] and r.constraint == SH.MinCountConstraintComponent]
    assert fired, f"removing {path} from {fixture.name} did not fire {name}'s sh:minCount; results: {report.results}"
