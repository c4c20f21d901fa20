"""The Data Cube shapes (shapes/cube-shapes.ttl): every rule fires on its fail fixture and stays quiet on its pass.

Fixtures live in ``tests/shapes/cube/`` in the form of ``tests/shapes/`` (``# expect-shape:``,
``# expect-severity:``); they are validated against shapes/cube-shapes.ttl with the ontology mixed in, as
the project validates. (tests/test_shapes.py reads shapes/k2020-shapes.ttl alone and the fixtures directly
in tests/shapes/, so the cube's fixtures stand in a directory of their own.) The real data against all
shapes: tests/test_data.py and tests/test_transcription.py (its expected warnings).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from k2020graph.namespaces import K2SH, QB
from k2020graph.validation import ParsedQueries, _ParsedOnceGraph

ROOT = Path(__file__).resolve().parent.parent
SHAPES_FILE = ROOT / "shapes" / "cube-shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "k2020.ttl"
FIXTURES = sorted((ROOT / "tests" / "shapes" / "cube").glob("*.ttl"))
FAIL = [p for p in FIXTURES if p.name.endswith(".fail.ttl")]
PASS = [p for p in FIXTURES if p.name.endswith(".pass.ttl")]

#: The integrity constraints of the recommendation that are not shapes, with the reason (also in the
#: shapes file's header). A DSD that starts using what one of them checks needs it added first.
NOT_IMPLEMENTED: dict[str, str] = {}
IMPLEMENTED = (
    "IC01",
    "IC02",
    "IC03",
    "IC04",
    "IC05",
    "IC06",
    "IC07",
    "IC08",
    "IC09",
    "IC10",
    "IC11",
    "IC12",
    "IC13",
    "IC14",
    "IC15",
    "IC16",
    "IC17",
    "IC18",
    "IC19",
    "IC20",
    "IC21",
)


@functools.cache
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@functools.cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@functools.cache
def parsed_queries() -> ParsedQueries:
    return {}


SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@functools.cache
def results(path: Path) -> tuple[tuple[object, object, str, object], ...]:
    """(source shape, source constraint, severity, focus) of each result, as the project validates."""
    import pyshacl

    # A fresh graph per fixture that parses each SPARQL text of the shapes once for all fixtures (as
    # validate_graphs' pyshacl path does); inplace, so that pyshacl validates this graph, not a plain copy.
    data = _ParsedOnceGraph(parsed_queries())
    data.parse(path, format="turtle")
    data += ontology()  # as k2020graph.validation.validate_graphs does: the ontology mixed into the data
    _conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes(),
        advanced=True,
        inference="none",
        allow_warnings=True,
        inplace=True,
    )
    assert isinstance(report, Graph)
    return tuple(
        (
            report.value(r, SH.sourceShape),
            report.value(r, SH.sourceConstraint),
            SEVERITY.get(report.value(r, SH.resultSeverity), "?"),  # type: ignore[call-overload]
            report.value(r, SH.focusNode),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )


def expectations(path: Path) -> tuple[URIRef, str]:
    head = path.read_text(encoding="utf-8")[:2000]
    shape = re.search(r"^# expect-shape: k2sh:(\S+)\s*$", head, re.M)
    severity = re.search(r"^# expect-severity: (Violation|Warning|Info)\s*$", head, re.M)
    assert shape and severity, f"{path.name} lacks its '# expect-shape:' / '# expect-severity:' comments"
    return K2SH[shape.group(1)], severity.group(1)


def comes_from(result: tuple, node: URIRef) -> bool:
    shape, constraint, _sev, _focus = result
    return node in (shape, constraint) or (shape is not None and str(shape) == f"{node}Shape")


def test_fixtures_were_collected() -> None:
    assert len(FAIL) >= len(IMPLEMENTED) + 1 and len(PASS) == len(FAIL)
    assert {p.name.removesuffix(".fail.ttl") for p in FAIL} == {p.name.removesuffix(".pass.ttl") for p in PASS}


@pytest.mark.parametrize("path", FAIL, ids=lambda p: p.name)
def test_fail_fixture_fires_its_rule(path: Path) -> None:
    expected, severity = expectations(path)
    got = results(path)
    hits = [r for r in got if comes_from(r, expected)]
    assert hits, f"{path.name}: {expected} did not fire; results: {got}"
    assert all(r[2] == severity for r in hits), f"{path.name}: wrong severity: {hits}"
    others = [r for r in got if not comes_from(r, expected)]
    assert not others, f"{path.name}: other rules fired too: {others}"


@pytest.mark.parametrize("path", PASS, ids=lambda p: p.name)
def test_pass_fixture_is_clean(path: Path) -> None:
    assert not results(path), f"{path.name}: {results(path)}"


def test_every_constraint_has_fixtures_and_each_ic_is_done_or_explained() -> None:
    g = shapes()
    constraints = {c for c in g.subjects(RDF.type, SH.SPARQLConstraint) if isinstance(c, URIRef)}
    fixtures = {expectations(p)[0] for p in FAIL}
    assert constraints == fixtures, f"without fixture: {constraints - fixtures}; fixtures of no rule: {fixtures - constraints}"
    done = {str(c).rsplit("#", 1)[1].removeprefix("Cube") for c in constraints}
    assert set(IMPLEMENTED) <= done
    all_ics = {f"IC-{n}" for n in range(1, 22)}
    accounted = {f"IC-{int(k[2:])}" for k in IMPLEMENTED} | set(NOT_IMPLEMENTED)
    assert accounted == all_ics, sorted(all_ics - accounted)


def test_every_shape_has_messages_severity_and_labels() -> None:
    g = shapes()
    nodes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.SPARQLConstraint))
    assert len(nodes) >= 24
    for n in nodes:
        for prop in (SH.message, RDFS_LABEL):
            langs = {o.language for o in g.objects(n, prop) if isinstance(o, Literal)}
            assert {"nb", "en"} <= langs, f"{n} lacks {prop} in nb or en"
        assert g.value(n, SH.severity) in (SH.Violation, SH.Warning, SH.Info), f"{n} has no explicit severity"
    for shape in g.subjects(RDF.type, SH.NodeShape):
        (constraint,) = list(g.objects(shape, SH.sparql))
        assert g.value(shape, SH.severity) == g.value(constraint, SH.severity), f"{shape}: severity differs from its constraint"


def test_targets_are_data_cube_classes() -> None:
    g = shapes()
    targets = set(g.objects(None, SH.targetClass))
    assert targets <= {
        QB.Observation,
        QB.DataSet,
        QB.DataStructureDefinition,
        QB.DimensionProperty,
        QB.ComponentSpecification,
        QB.SliceKey,
        QB.Slice,
    }


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


@pytest.mark.parametrize("engine", ["pyshacl", "fast"])
@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_ic1_reports_an_observation_without_exactly_one_data_set(engine: str, count: int) -> None:
    """IC-1 on an observation with 0-3 data sets, both engines: none reported with the observation as
    value, two or more reported once per data set (the expectation is counted here, not by the shape)."""
    from rdflib.namespace import RDF as _RDF

    from k2020graph.validation import validate_graphs

    data = Graph().parse(ROOT / "tests" / "shapes" / "cube" / "CubeIC01.pass.ttl", format="turtle")
    obs = URIRef("https://w3id.org/k2020graph/id/cube/fixture-table-a")
    data.remove((obs, QB.dataSet, None))
    sets = [URIRef(f"https://w3id.org/k2020graph/id/cube/fixture-other-{i}") for i in range(count)]
    for ds in sets:
        data.add((obs, QB.dataSet, ds))
        data.add((ds, _RDF.type, QB.DataSet))
    report = validate_graphs(data, shapes(), ontology(), engine=engine)
    got = {(r.focus, r.value) for r in report.results if r.source_constraint == K2SH.CubeIC01}
    expected = {(obs, obs)} if count == 0 else set() if count == 1 else {(obs, ds) for ds in sets}
    assert got == expected
