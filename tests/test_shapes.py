"""The SHACL shapes: every rule fires on its fail fixture and stays quiet on its pass fixture.

Fixtures live in ``tests/shapes/``: ``<rule>.fail.ttl`` makes exactly that rule fire, ``<rule>.pass.ttl`` is
a minimal correct variant that conforms completely. Each starts with the comments
``# expect-shape: k2sh:…`` and ``# expect-severity: Violation|Warning|Info``.

A SPARQL constraint (k2sh:EndNotBeforeStart, …) appears in a report as ``sh:sourceConstraint``; the
``sh:sourceShape`` is the property shape that holds it (pyshacl takes the severity from there). So a
result "comes from" a node when that node is its ``sh:sourceShape`` or its ``sh:sourceConstraint``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from unittest import mock

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query

from k2020graph.namespaces import K2SH

ROOT = Path(__file__).resolve().parent.parent
SHAPES_FILE = ROOT / "shapes" / "k2020-shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "k2020.ttl"
FIXTURES = sorted((ROOT / "tests" / "shapes").glob("*.ttl"))
SEVERITY = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}

#: Shapes that no fail fixture needs to exercise, with the reason. (None at present: every property
#: shape and every SPARQL constraint has a fixture.)
NOT_EXERCISED: dict[str, str] = {}


# ---- helpers ---------------------------------------------------------------------------------


def _load(*paths: Path) -> Graph:
    g = Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return g


_SHAPES: Graph | None = None
_ONTOLOGY: Graph | None = None


def shapes_graph() -> Graph:
    global _SHAPES
    if _SHAPES is None:
        _SHAPES = _load(SHAPES_FILE)
    return _SHAPES


def ontology_graph() -> Graph:
    global _ONTOLOGY
    if _ONTOLOGY is None:
        _ONTOLOGY = _load(ONTOLOGY_FILE)
    return _ONTOLOGY


@functools.lru_cache(maxsize=256)
def _translated(text: str, base: str | None, namespaces: frozenset) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces))


def _cached_query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # type: ignore[no-untyped-def]  # noqa: N803
    """rdflib's SPARQLProcessor.query, but each query text is parsed once (like prepareQuery).

    pyshacl hands rdflib the same SPARQL text for every focus node, and parsing it costs far more than
    evaluating it on a small fixture; this makes the suite about seven times faster.
    """
    if isinstance(strOrQuery, str):
        strOrQuery = _translated(strOrQuery, base, frozenset((initNs or {}).items()))
    return evalQuery(self.graph, strOrQuery, initBindings, base)


def validate(data: Graph) -> list[dict]:
    """Validate ``data`` as the project does; the results as dicts. The one place that calls pyshacl.

    (Switch to ``k2020graph.validation.validate_graphs`` here once the tests should go through it.)
    """
    import pyshacl

    with mock.patch.object(SPARQLProcessor, "query", _cached_query):
        _conforms, report, _text = pyshacl.validate(
            data,
            shacl_graph=shapes_graph(),
            ont_graph=ontology_graph(),
            advanced=True,
            inference="none",
            allow_warnings=True,
        )
    assert isinstance(report, Graph)
    return [
        {
            "shape": report.value(r, SH.sourceShape),
            "constraint": report.value(r, SH.sourceConstraint),
            "severity": report.value(r, SH.resultSeverity),
            "focus": report.value(r, SH.focusNode),
            "value": report.value(r, SH.value),
        }
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]


def expectations(path: Path) -> tuple[URIRef, URIRef]:
    head = path.read_text(encoding="utf-8")[:2000]
    shape = re.search(r"^# expect-shape: k2sh:(\S+)\s*$", head, re.M)
    severity = re.search(r"^# expect-severity: (Violation|Warning|Info)\s*$", head, re.M)
    assert shape and severity, f"{path.name} lacks its '# expect-shape:' / '# expect-severity:' comments"
    return K2SH[shape.group(1)], SEVERITY[severity.group(1)]


@functools.cache
def fixture_results(path: Path) -> tuple[dict, ...]:
    return tuple(validate(_load(path)))


def comes_from(result: dict, node: URIRef) -> bool:
    return node in (result["shape"], result["constraint"])


def describe(results: list[dict]) -> str:
    return "\n".join(f"  {r['severity']} {r['shape']} / {r['constraint']} focus={r['focus']} value={r['value']}" for r in results)


def rule_nodes(g: Graph) -> set[URIRef]:
    """Every property shape and every SPARQL constraint of the shapes graph (named nodes only)."""
    props = {o for o in g.objects(None, SH.property)} | set(g.subjects(RDF.type, SH.PropertyShape))
    sparql = {o for o in g.objects(None, SH.sparql)} | set(g.subjects(RDF.type, SH.SPARQLConstraint))
    return {n for n in props | sparql if isinstance(n, URIRef)}


def _lang_values(g: Graph, node: URIRef, prop: URIRef) -> set[str]:
    return {o.language for o in g.objects(node, prop) if isinstance(o, Literal) and o.language}


# ---- fixtures --------------------------------------------------------------------------------

FAIL = [p for p in FIXTURES if p.name.endswith(".fail.ttl")]
PASS = [p for p in FIXTURES if p.name.endswith(".pass.ttl")]


def test_fixtures_were_collected() -> None:
    assert len(FIXTURES) > 20
    assert len(FAIL) > 20 and len(PASS) > 20
    fails = {p.name.removesuffix(".fail.ttl") for p in FAIL}
    passes = {p.name.removesuffix(".pass.ttl") for p in PASS}
    assert fails == passes, f"unpaired fixtures: {sorted(fails ^ passes)}"


@pytest.mark.parametrize("path", FAIL, ids=lambda p: p.name)
def test_fail_fixture_fires_its_rule(path: Path) -> None:
    expected, severity = expectations(path)
    results = list(fixture_results(path))
    hits = [r for r in results if comes_from(r, expected)]
    assert hits, f"{path.name}: {expected} did not fire; results:\n{describe(results)}"
    assert all(r["severity"] == severity for r in hits), f"{path.name}: wrong severity:\n{describe(hits)}"
    others = [r for r in results if not comes_from(r, expected)]
    assert not others, f"{path.name}: other rules fired too:\n{describe(others)}"


@pytest.mark.parametrize("path", PASS, ids=lambda p: p.name)
def test_pass_fixture_is_clean(path: Path) -> None:
    expected, _severity = expectations(path)
    results = list(fixture_results(path))
    assert not [r for r in results if comes_from(r, expected)], f"{path.name}: {expected} fired:\n{describe(results)}"
    assert not results, f"{path.name}: the pass fixture does not conform completely:\n{describe(results)}"


# ---- the shapes file itself -------------------------------------------------------------------


def test_expected_shapes_exist() -> None:
    g = shapes_graph()
    nodes = rule_nodes(g)
    missing = [p.name for p in FAIL if expectations(p)[0] not in nodes]
    assert not missing, f"fixtures expect shapes that do not exist: {missing}"


def test_every_shape_has_messages_and_severity() -> None:
    g = shapes_graph()
    node_shapes = {s for s in g.subjects(RDF.type, SH.NodeShape)}
    nodes = node_shapes | rule_nodes(g) | set(g.objects(None, SH.property)) | set(g.objects(None, SH.sparql))
    assert len(node_shapes) >= 16 and len(nodes) > 60
    problems = []
    for n in sorted(nodes, key=str):
        if not isinstance(n, URIRef):
            problems.append(f"{n}: a blank node (name it so that reports can)")
            continue
        langs = _lang_values(g, n, SH.message)
        for lang in ("nb", "en"):
            if lang not in langs:
                problems.append(f"{n}: no sh:message @{lang}")
        if g.value(n, SH.severity) not in (SH.Violation, SH.Warning, SH.Info):
            problems.append(f"{n}: no explicit sh:severity")
    for n in sorted(rule_nodes(g) & set(g.subjects(SH.path, None))):
        if not {"nb", "en"} <= _lang_values(g, n, SH.name):
            problems.append(f"{n}: sh:name lacks nb or en")
    assert not problems, "\n".join(problems)


def test_sparql_constraints_match_their_holders() -> None:
    """pyshacl reports a SPARQL result with the severity of the shape holding it: keep them equal."""
    g = shapes_graph()
    problems = []
    for holder, constraint in g.subject_objects(SH.sparql):
        if g.value(holder, SH.severity) != g.value(constraint, SH.severity):
            problems.append(f"{holder} holds {constraint} with another severity")
    assert not problems, "\n".join(problems)


def test_every_shape_is_exercised_by_a_fail_fixture() -> None:
    exercised: set = set()
    for path in FAIL:
        expected, _ = expectations(path)
        for r in fixture_results(path):
            if comes_from(r, expected):
                exercised |= {r["shape"], r["constraint"]}
    missing = sorted(str(n) for n in rule_nodes(shapes_graph()) - exercised if str(n) not in NOT_EXERCISED)
    assert not missing, "shapes no fail fixture exercises:\n" + "\n".join(missing)
