"""The fast engine (k2020graph.shacl) against pyshacl, the reference: the same results, result for result.

Compared on the repository's own data, on every fixture in tests/shapes/ and on the real data perturbed at
random (triples removed, objects swapped between subjects, literals retyped or made ill-typed, types
dropped), so that every rule fires somewhere. A result is compared by all its fields: focus node,
severity, source shape, path (a complex path by its structure), value, constraint component and messages.

pyshacl's answers are remembered between runs in pytest's cache (``.pytest_cache``), each under a digest
of everything it depends on: the data, shapes and ontology graphs (by content), the sources of
``k2020graph/validation.py`` and of this file, and the Python version with every installed package's
version. So a rerun with the same inputs compares the fast engine with the very answers pyshacl gave
for them, and any change to an input asks pyshacl again. ``--cache-clear`` (or ``-p no:cacheprovider``)
asks it for everything. Inputs with blank nodes are never remembered (their labels differ per parse).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import RDF, SH, XSD

from k2020graph import shacl
from k2020graph.validation import ParsedQueries, ValidationReport, validate_graphs

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "shapes").glob("**/*.ttl"))  # with the cube shapes' fixtures in cube/


def _path_key(report: ValidationReport, path: object) -> object:
    if not isinstance(path, BNode):
        return path
    g = report.report_graph
    return tuple(sorted((str(p), str(o) if not isinstance(o, BNode) else "_") for p, o in g.predicate_objects(path)))


def keys(report: ValidationReport) -> Counter:
    return Counter(
        (
            r.focus,
            r.severity,
            r.source_shape,
            _path_key(report, r.path),
            r.value,
            r.constraint,
            tuple(sorted(r.messages.items())),
        )
        for r in report.results
    )


# Session scope (not module): the module's tests are spread over the xdist workers, one of each per worker.
@pytest.fixture(scope="session")
def parsed() -> ParsedQueries:
    """One cache of parsed SPARQL texts for this module's pyshacl runs (all with the repository's shapes).

    pyshacl parses each constraint's text anew in every validation; parsing is a fifth of a small
    fixture's validation. The cache holds rdflib's parsed queries only, not results (a fixture, not a global).
    """
    return {}


class Uncacheable(Exception):
    """A result with a blank node: its label is only good for this parse."""


def _plain(term: object) -> Any:
    """A term of a result key as JSON, one-to-one: IRIs and literals in N-Triples form, paths as lists."""
    if term is None or isinstance(term, str) and not isinstance(term, (URIRef, Literal, BNode)):
        return term
    if isinstance(term, BNode):
        raise Uncacheable(term)
    if isinstance(term, (URIRef, Literal)):
        return term.n3()
    if isinstance(term, tuple):
        return [_plain(t) for t in term]
    raise Uncacheable(term)


def plain_keys(counter: Counter) -> Counter:
    """:func:`keys` as JSON texts (the form remembered between runs); raises :class:`Uncacheable`."""
    return Counter({json.dumps(_plain(key)): n for key, n in counter.items()})


class Reference:
    """pyshacl's results, computed where not remembered from an earlier run with the same inputs."""

    def __init__(self, cache: Any, parsed: ParsedQueries, shapes: Graph, ontology: Graph | None) -> None:
        self.cache, self.parsed = cache, parsed
        env = hashlib.sha256()
        env.update(sys.version.encode())
        for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()):
            env.update(dist.encode() + b"\n")
        for source in (ROOT / "k2020graph" / "validation.py", Path(__file__)):
            env.update(source.read_bytes())
        for graph in (shapes, ontology):
            env.update(b"-" if graph is None else str(to_isomorphic(graph).graph_digest()).encode())
        self.inputs = (shapes, ontology)
        self.env = env.hexdigest()
        self.computed = self.remembered = 0

    def keys(self, data: Graph) -> tuple[Counter, bool]:
        """pyshacl's result keys of ``data`` (:func:`plain_keys` form) and whether it conforms."""
        shapes, ontology = self.inputs
        lines = sorted(" ".join(t.n3() for t in triple) for triple in data)
        cacheable = self.cache is not None and not any(isinstance(t, BNode) for triple in data for t in triple)
        name = "k2020graph/pyshacl/" + hashlib.sha256((self.env + "\n" + "\n".join(lines)).encode()).hexdigest()
        if cacheable:
            known = self.cache.get(name, None)
            if known is not None:
                self.remembered += 1
                return Counter(dict(known["keys"])), known["conforms"]
        report = validate_graphs(data, shapes, ontology, engine="pyshacl", parsed_queries=self.parsed)
        self.computed += 1
        result = plain_keys(keys(report))
        if cacheable:
            self.cache.set(name, {"keys": sorted(result.items()), "conforms": report.conforms})
        return result, report.conforms


@pytest.fixture(scope="session")
def reference(request: pytest.FixtureRequest, kg, parsed: ParsedQueries) -> Reference:  # type: ignore[no-untyped-def]
    return Reference(getattr(request.config, "cache", None), parsed, kg.shapes_graph, kg.ontology_graph)


def assert_same(data: Graph, reference: Reference) -> ValidationReport:
    shapes, ontology = reference.inputs
    fast = validate_graphs(data, shapes, ontology, engine="fast")
    try:
        a = plain_keys(keys(fast))
        b, conforms = reference.keys(data)
    except Uncacheable:  # a blank node in a result: compare the terms themselves, both engines on this parse
        a = keys(fast)
        ref = validate_graphs(data, shapes, ontology, engine="pyshacl", parsed_queries=reference.parsed)
        b, conforms = keys(ref), ref.conforms
    only_fast = "\n".join(f"  {k}" for k in (a - b).elements())
    only_ref = "\n".join(f"  {k}" for k in (b - a).elements())
    assert a == b, f"only the fast engine:\n{only_fast}\nonly pyshacl:\n{only_ref}"
    assert fast.conforms == conforms
    return fast


def test_fixtures_are_collected() -> None:
    assert len(FIXTURES) > 100


@pytest.mark.parametrize(
    ("query", "nested"),
    [
        ("SELECT $this WHERE { $this ?p ?o FILTER NOT EXISTS { $this ?q ?r } }", False),
        ("SELECT $this WHERE { { FILTER NOT EXISTS { $this ?q ?r } } UNION { $this ?p ?o } }", True),  # Data Cube IC-1
        ("SELECT $this WHERE { ?x ?p '{ $this' . OPTIONAL { ?x ?q $this } }", True),
        ("SELECT $this WHERE { ?x ?p <urn:x#y> . # { $this\n OPTIONAL { $this ?q ?x } }", False),
        ("SELECT $this WHERE { { SELECT ?x WHERE { $this ?p ?x } } }", True),
    ],
)
def test_this_in_a_nested_group_is_seen(query: str, nested: bool) -> None:
    """Where one query for all targets would leave $this unbound, the engine pre-binds per focus node."""
    assert shacl._this_in_nested_group(query) is nested


def test_the_shapes_compile_for_the_fast_engine(kg) -> None:  # type: ignore[no-untyped-def]
    compiled = shacl.compile_shapes(kg.shapes_graph)
    assert len(compiled.shapes) >= 15
    assert sum(len(p.sparql) for s in compiled.shapes for p in (s, *s.properties)) >= 25


def test_real_data(kg, reference: Reference) -> None:  # type: ignore[no-untyped-def]
    report = assert_same(kg.data_graph, reference)
    assert report.count("Warning") > 0  # the source's own oddities are found by both


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT / "tests" / "shapes")))
def test_fixture(reference: Reference, path: Path) -> None:
    data = Graph().parse(path, format="turtle")
    report = assert_same(data, reference)
    if path.name.endswith(".fail.ttl"):
        assert report.results, "a fail fixture must produce results"


def perturb(data: Graph, seed: int, edits: int = 60) -> Graph:
    """The data with ``edits`` random damages of the kinds that shapes catch."""
    rng = random.Random(seed)
    triples = sorted(data, key=lambda t: tuple(str(x) for x in t))
    out = Graph()
    for t in triples:
        out.add(t)
    by_pred: dict[URIRef, list] = {}
    for t in triples:
        by_pred.setdefault(t[1], []).append(t)  # type: ignore[arg-type]
    preds = sorted(by_pred, key=str)
    for _ in range(edits):
        kind = rng.choice(["remove", "swap", "retype", "illtyped", "untype", "duplicate", "iri-typo"])
        s, p, o = rng.choice(triples)
        if kind == "remove":
            out.remove((s, p, o))
        elif kind == "swap":
            other = rng.choice(by_pred[rng.choice(preds)])
            out.remove((s, p, o))
            out.add((s, p, other[2]))
        elif kind == "retype" and isinstance(o, Literal):
            out.remove((s, p, o))
            out.add((s, p, Literal(str(o), datatype=rng.choice([XSD.gYear, XSD.integer, XSD.string, None]))))
        elif kind == "illtyped":
            out.add((s, p, Literal("not-a-number", datatype=XSD.integer)))
        elif kind == "untype":
            for t in list(out.triples((s, RDF.type, None))):
                out.remove(t)
        elif kind == "duplicate":
            other = rng.choice(by_pred[p])
            out.add((s, p, other[2]))
        elif kind == "iri-typo" and isinstance(o, URIRef):
            out.remove((s, p, o))
            out.add((s, p, URIRef(str(o) + "x")))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_perturbed_real_data(kg, reference: Reference, seed: int) -> None:  # type: ignore[no-untyped-def]
    data = perturb(kg.data_graph, seed)
    report = assert_same(data, reference)
    assert len(report.results) > 10  # the damage is seen


def test_unknown_engine_is_refused(kg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown validation engine"):
        validate_graphs(kg.data_graph, kg.shapes_graph, kg.ontology_graph, engine="nope")


def test_unsupported_shapes_fall_back_to_pyshacl(kg) -> None:  # type: ignore[no-untyped-def]
    """A shape with sh:node (not implemented by the fast engine): "fast" refuses, "auto" uses pyshacl."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:T .
        ex:T a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        """,
        format="turtle",
    )
    data = Graph().parse(data="<http://example.org/a> a <http://example.org/C> .", format="turtle")
    with pytest.raises(shacl.Unsupported):
        validate_graphs(data, shapes, None, engine="fast")
    report = validate_graphs(data, shapes, None, engine="auto")
    assert {str(r.focus) for r in report.results} == {"http://example.org/a"}
    # only pyshacl reports sh:node results: the fallback ran
    assert SH.NodeConstraintComponent in {r.constraint for r in report.results}


def test_cli_engines_give_the_same_report(capsys) -> None:  # type: ignore[no-untyped-def]
    """`k2020graph validate --engine pyshacl` and the default (the fast engine) print the same JSON report."""
    import json

    from k2020graph.cli import main

    outputs = {}
    for engine in ("auto", "pyshacl"):
        code = main(["validate", "--root", str(ROOT), "--format", "json", "--lang", "en", "--engine", engine])
        outputs[engine] = (code, json.loads(capsys.readouterr().out))
    (code_fast, fast), (code_ref, ref) = outputs["auto"], outputs["pyshacl"]
    assert code_fast == code_ref == 0
    assert fast["counts"] == ref["counts"] and fast["counts"]["Warning"] > 0

    def rows(report: dict) -> list:
        return sorted(json.dumps(r, sort_keys=True) for r in report["results"])

    assert rows(fast) == rows(ref)


def test_an_error_in_a_sparql_constraint_reaches_the_caller() -> None:
    """The SPARQL constraints run beside the core constraints in a second thread: a query that the store
    refuses (an undeclared prefix) must still end the validation with its error, not vanish with the thread."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:message "m" ;
            sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:message "p" ] ;
            sh:sparql [ a sh:SPARQLConstraint ; sh:message "q" ; sh:select "SELECT $this WHERE { $this nope:p ?o }" ] .
        """,
        format="turtle",
    )
    data = Graph().parse(data="<http://example.org/a> a <http://example.org/C> .", format="turtle")
    with pytest.raises(SyntaxError, match="Prefix not found"):
        validate_graphs(data, shapes, None, engine="fast")
