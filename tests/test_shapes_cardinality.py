"""Every sh:minCount and sh:maxCount of the shapes file fires (gaps found by mutation testing, docs/mutation.md:
``sh:minCount 1 -> 0`` on a tiltak's skos:notation and a dropped ``sh:maxCount 1`` survived every other test).

The cases are derived from the shapes file: for each property shape with a plain predicate path, its
own pass fixture (``tests/shapes/<shape>.pass.ttl``, which conforms completely) loses every triple with
that predicate (``sh:minCount`` of 1 or more) or gets one more value for it (``sh:maxCount`` 1), and
validation through the library must then report that shape's constraint. Which properties are
required and which are single-valued is pinned below, so that dropping a constraint fails a test too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from k2020graph.namespaces import K2SH
from k2020graph.validation import validate_graphs

XSD = "http://www.w3.org/2001/XMLSchema#"
GYEAR, BOOLEAN = URIRef(XSD + "gYear"), URIRef(XSD + "boolean")
NUMBERS = {URIRef(XSD + n) for n in ("integer", "decimal", "nonNegativeInteger")}
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


def count_shapes(constraint: URIRef, wanted: Callable[[int], bool]) -> list[tuple[str, URIRef, int]]:
    shapes = graph(SHAPES_FILE)
    found = []
    for shape in shapes.subjects(RDF.type, SH.PropertyShape):
        count = shapes.value(shape, constraint)
        path = shapes.value(shape, SH.path)
        if isinstance(count, Literal) and wanted(int(count)) and isinstance(path, URIRef) and isinstance(shape, URIRef):
            found.append((str(shape).removeprefix(str(K2SH)), path, int(count)))
    return sorted(found)


CASES = count_shapes(SH.minCount, lambda n: n > 0)
MAX_CASES = count_shapes(SH.maxCount, lambda n: n == 1)

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
    "StrategyRecordShape-overallAssessmentText",
    "StrategyRecordShape-recordOfStrategy",
    "StrategyRecordShape-source",
    "StrategyShape-inPlan",
    "StrategyShape-source",
    "TiltakRecordShape-recordOf",
    "TiltakRecordShape-source",
    "TiltakShape-inPlan",
    "TiltakShape-label",
    "TiltakShape-notation",
    "TiltakShape-source",
}

#: The property shapes that allow one value at most (sh:maxCount 1), pinned likewise.
SINGLE = {
    "DirectLayerShape-continuationStatus",
    "DirectLayerShape-started",
    "ChangeEventShape-date",
    "ContinuationShape-fromTiltak",
    "ContinuationShape-position",
    "ContinuationShape-toTiltak",
    "FigureShape-about",
    "FigureShape-quantity",
    "FigureShape-unit",
    "FigureShape-value",
    "FigureShape-year",
    "FundingFlowShape-amount",
    "FundingFlowShape-currency",
    "FundingFlowShape-forTiltak",
    "FundingFlowShape-grantor",
    "FundingFlowShape-year",
    "GrantSchemeShape-capOnEmployees",
    "GrantSchemeShape-maxApplicationsPerApplicant",
    "GrantSchemeShape-reportingYearsAfterGrant",
    "OrganizationalUnitShape-unitOf",
    "PlanShape-endYear",
    "PlanShape-startYear",
    "SourceDocumentShape-fileName",
    "SourceDocumentShape-issued",
    "SourceDocumentShape-modified",
    "SourceLocationShape-isPartOf",
    "SourceLocationShape-lineEnd",
    "SourceLocationShape-lineStart",
    "StrategyRecordShape-overallAssessmentText",
    "StrategyRecordShape-recordOfStrategy",
    "StrategyShape-inPlan",
    "StrategyShape-notation",
    "TiltakRecordShape-continuedInK2025",
    "TiltakRecordShape-end",
    "TiltakRecordShape-recordOf",
    "TiltakRecordShape-start",
    "TiltakShape-inPlan",
    "TiltakShape-inferredStrategy",
    "TiltakShape-measure",
    "TiltakShape-notation",
    "TiltakShape-strategy",
}


def test_the_required_properties_are_the_pinned_ones() -> None:
    names = {name for name, _path, _count in CASES}
    assert names == REQUIRED, f"no longer required: {sorted(REQUIRED - names)}; newly required: {sorted(names - REQUIRED)}"


def test_the_single_valued_properties_are_the_pinned_ones() -> None:
    names = {name for name, _path, _count in MAX_CASES}
    assert names == SINGLE, f"no longer single-valued: {sorted(SINGLE - names)}; newly single-valued: {sorted(names - SINGLE)}"


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


def another(value: object) -> object:
    """A second valid value of the same kind as ``value``, different from it."""
    if isinstance(value, Literal):
        python = value.toPython()
        if isinstance(python, bool):
            return Literal(not python)
        if isinstance(python, int | float):
            return Literal(python + 1, datatype=value.datatype)
        return Literal(str(value) + "0", lang=value.language, datatype=value.datatype)
    if isinstance(value, URIRef):
        return URIRef(str(value) + "-other")
    return BNode()


def two_values(shape: URIRef) -> list[object]:
    """Two different values that the shape's own sh:datatype (or, without one, an IRI) allows."""
    datatype = graph(SHAPES_FILE).value(shape, SH.datatype)
    if datatype == GYEAR:
        return [Literal("2016", datatype=GYEAR), Literal("2017", datatype=GYEAR)]
    if datatype == BOOLEAN:
        return [Literal(True), Literal(False)]
    if datatype in NUMBERS:
        return [Literal(1, datatype=datatype), Literal(2, datatype=datatype)]
    if isinstance(datatype, URIRef):
        return [Literal("NOK", datatype=datatype), Literal("SEK", datatype=datatype)]
    return [URIRef("urn:example:one"), URIRef("urn:example:two")]


def with_two_values(name: str, path: URIRef) -> Graph:
    """The shape's pass fixture where every node that has ``path`` gets a second value; where none has it,
    the nodes of the node shape's target class get two values."""
    data = Graph()
    for triple in graph(FIXTURES / f"{name}.pass.ttl"):
        data.add(triple)
    present = list(data.subject_objects(path))
    for subject, value in present:
        data.add((subject, path, another(value)))  # type: ignore[arg-type]
    if not present:
        shapes = graph(SHAPES_FILE)
        holders = list(shapes.subjects(SH.property, K2SH[name]))
        targets = [t for h in holders for t in shapes.objects(h, SH.targetClass)]
        nodes = [n for t in targets for n in data.subjects(RDF.type, t)]
        assert nodes, f"{name}: its pass fixture has no {path} and no node of its target class"
        for node in nodes:
            for value in two_values(K2SH[name]):
                data.add((node, path, value))  # type: ignore[arg-type]
    return data


@pytest.mark.parametrize(("name", "path", "count"), MAX_CASES, ids=[c[0] for c in MAX_CASES])
def test_a_second_value_fires_its_max_count(name: str, path: URIRef, count: int) -> None:
    data = with_two_values(name, path)
    report = validate_graphs(data, graph(SHAPES_FILE), ontology())
    fired = [r for r in report.results if r.source_shape == K2SH[name] and r.constraint == SH.MaxCountConstraintComponent]
    assert fired, f"a second {path} did not fire {name}'s sh:maxCount; results: {report.results}"
