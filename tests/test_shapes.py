"""The SHACL shapes: every constraint of every shape fires on a fixture of its own; pass fixtures stay quiet.

Fixtures live in ``tests/shapes/``. A fail fixture ``<rule>.<parameters>.fail.ttl`` (``<rule>.fail.ttl`` for a
SPARQL constraint; ``<rule>.<parameters>-<variant>.fail.ttl`` for a second one) declares in its first comment
lines exactly what it makes fire::

    # expect-shape: k2sh:TiltakShape-notation
    # expect-constraint: sh:MaxCountConstraintComponent
    # expect-severity: Violation
    # expect-also: k2sh:TiltakShape-iri sh:SPARQLConstraintComponent Violation   (rare; see ONLY_TOGETHER)

and the validation must report that and nothing else. ``<rule>.pass.ttl``, one per rule, is a minimal correct
variant that conforms completely.

The list of (shape, constraint) pairs comes from shapes/k2020-shapes.ttl itself: every constraint parameter of
every named shape (sh:minCount, sh:datatype, sh:or, …, and each sh:sparql constraint) needs a fail fixture that
makes that shape fire with that constraint component alone, unless ONLY_TOGETHER or NOT_EXERCISED says why not.
A SPARQL constraint (k2sh:EndNotBeforeStart, …) appears in a report as ``sh:sourceConstraint``, with the property
shape that holds it as ``sh:sourceShape`` (pyshacl takes the severity from there).

Validation goes through :func:`k2020graph.validation.validate_graphs`, as the CLI and server do; one cache of
parsed SPARQL texts is shared by this module's validations (a fixture, not a global).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from k2020graph.namespaces import K2SH
from k2020graph.turtle_style import check_turtle_style
from k2020graph.validation import ParsedQueries, ValidationResult, validate_graphs

ROOT = Path(__file__).resolve().parent.parent
SHAPES_FILE = ROOT / "shapes" / "k2020-shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "k2020.ttl"
FIXTURES = sorted((ROOT / "tests" / "shapes").glob("*.ttl"))
FAIL = [p for p in FIXTURES if p.name.endswith(".fail.ttl")]
PASS = [p for p in FIXTURES if p.name.endswith(".pass.ttl")]
SPARQL = SH.SPARQLConstraintComponent

#: SHACL Core parameters and the constraint component each one belongs to (sh:sparql is handled apart).
PARAMETERS: dict[URIRef, URIRef] = {
    SH[p]: SH[p[0].upper() + p[1:] + "ConstraintComponent"]
    for p in (
        "class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive maxInclusive minLength "
        "maxLength pattern languageIn uniqueLang equals disjoint lessThan lessThanOrEquals not and or xone node "
        "hasValue in closed qualifiedMinCount qualifiedMaxCount"
    ).split()
}
#: sh: predicates of a shape that are no constraint of their own (sh:property: each property shape is
#: enumerated by itself; sh:flags belongs to sh:pattern, sh:ignoredProperties to sh:closed).
NOT_CONSTRAINTS = {
    SH[p]
    for p in (
        "path name description message severity order group defaultValue deactivated targetClass targetNode "
        "targetSubjectsOf targetObjectsOf target declare prefixes select ask property flags ignoredProperties "
        "qualifiedValueShape qualifiedValueShapesDisjoint"
    ).split()
}

_LANG_TAGGED = (
    "sh:datatype rdf:langString beside sh:languageIn: a value that is no rdf:langString has no language tag "
    "either, so sh:languageIn always fires with it; the fixture <rule>.datatype+languageIn.fail.ttl covers both"
)
_ONE_IRI = "the location's IRI names one {what}, so a second value also breaks k2sh:LocationIriMatchesLines"

#: (shape, constraint component) pairs that cannot fire alone, with the reason; each must still be covered by
#: a fail fixture that declares it among others (several components, or ``# expect-also:``).
ONLY_TOGETHER: dict[tuple[str, str], str] = {
    **{
        (shape, "sh:DatatypeConstraintComponent"): _LANG_TAGGED
        for shape in (
            "k2sh:ActorGroupShape-name",
            "k2sh:FormalOrganizationShape-altLabel",
            "k2sh:FormalOrganizationShape-name",
            "k2sh:GrantSchemeShape-altLabel",
            "k2sh:GrantSchemeShape-name",
            "k2sh:GrantSchemeShape-purpose",
            "k2sh:GrantSchemeShape-rule",
            "k2sh:GrantSchemeShape-recommendation",
            "k2sh:GrantSchemeShape-applicationRequirement",
            "k2sh:GrantSchemeShape-targetGroup",
            "k2sh:MeasureShape-label",
            "k2sh:OrganizationalUnitShape-name",
            "k2sh:StrategyRecordShape-overallAssessmentText",
            "k2sh:TiltakRecordShape-goal",
            "k2sh:TiltakRecordShape-purpose",
            "k2sh:TiltakRecordShape-descriptionText",
            "k2sh:TiltakRecordShape-resultsText",
            "k2sh:TiltakRecordShape-assessmentText",
            "k2sh:TiltakRecordShape-goalAchievementText",
            "k2sh:TiltakRecordShape-sourceNote",
            "k2sh:TiltakRecordShape-title",
            "k2sh:TiltakRecordShape-typeText",
            "k2sh:TiltakShape-label",
        )
    },
    ("k2sh:SourceLocationShape-isPartOf", "sh:MaxCountConstraintComponent"): _ONE_IRI.format(what="document"),
    ("k2sh:SourceLocationShape-lineStart", "sh:MaxCountConstraintComponent"): _ONE_IRI.format(what="first line"),
    ("k2sh:SourceLocationShape-lineEnd", "sh:MaxCountConstraintComponent"): _ONE_IRI.format(what="last line"),
    ("k2sh:SourceLocationShape-lineEnd", "sh:MinInclusiveConstraintComponent"): (
        "a last line below 1 is before any first line that k2sh:SourceLocationShape-lineStart allows, so "
        "k2sh:LineEndNotBeforeLineStart fires with it"
    ),
    ("k2sh:TiltakRecordShape-start", "sh:OrConstraintComponent"): (
        "a start that is neither an xsd:gYear nor a text is not a year either, so k2sh:StartNotAYear warns with it"
    ),
    ("k2sh:TiltakShape-inPlan", "sh:MaxCountConstraintComponent"): (
        "the second plan is either outside sh:in (the fixture's choice) or plan:k2025, which breaks "
        "k2sh:TiltakIriMatchesPlan and the K2025 rules"
    ),
    ("k2sh:TiltakShape-notation", "sh:MaxCountConstraintComponent"): (
        "the tiltak's IRI ends in one number, so a second number also breaks k2sh:TiltakIriMatchesPlan"
    ),
}

#: (shape, constraint component) pairs that no fail fixture needs to exercise, with the reason. None at present.
NOT_EXERCISED: dict[tuple[str, str], str] = {}


# ---- reading fixtures and shapes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    shape: URIRef
    constraints: frozenset[URIRef]
    severity: str
    also: tuple[tuple[URIRef, URIRef, str], ...] = ()

    def entries(self) -> list[tuple[URIRef, URIRef, str]]:
        return [(self.shape, c, self.severity) for c in sorted(self.constraints)] + list(self.also)

    @property
    def alone(self) -> bool:
        """One shape with one constraint component: what a pair's own fixture must declare."""
        return len(self.constraints) == 1 and not self.also


def _curie(text: str) -> URIRef:
    prefix, _, local = text.partition(":")
    if prefix == "k2sh":
        return K2SH[local]
    if prefix == "sh":
        return SH[local]
    raise ValueError(f"unknown prefix in {text!r} (use k2sh: or sh:)")


def expectations(path: Path) -> Expected:
    head = path.read_text(encoding="utf-8")[:3000]
    shape = re.search(r"^# expect-shape: (k2sh:\S+)\s*$", head, re.M)
    severity = re.search(r"^# expect-severity: (Violation|Warning|Info)\s*$", head, re.M)
    assert shape and severity, f"{path.name} lacks its '# expect-shape:' / '# expect-severity:' comments"
    constraints = re.search(r"^# expect-constraint: (.+?)\s*$", head, re.M)
    also = re.findall(r"^# expect-also: (k2sh:\S+) (sh:\S+) (Violation|Warning|Info)\s*$", head, re.M)
    return Expected(
        shape=_curie(shape.group(1)),
        constraints=frozenset(_curie(c) for c in constraints.group(1).split()) if constraints else frozenset(),
        severity=severity.group(1),
        also=tuple((_curie(s), _curie(c), sev) for s, c, sev in also),
    )


def rule_of(path: Path) -> str:
    """``TiltakShape-notation`` for ``TiltakShape-notation.maxCount.fail.ttl`` and ``….pass.ttl``."""
    return path.name.split(".", 1)[0]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def comes_from(result: ValidationResult, node: Node) -> bool:
    return node in (result.source_shape, result.source_constraint)


def pair_of(result: ValidationResult) -> tuple[Node | None, Node | None]:
    """(shape, constraint): the SPARQL constraint node for a SPARQL result, else the constraint component."""
    return (result.source_shape, result.source_constraint if result.constraint == SPARQL else result.constraint)


def short(node: Node | None) -> str:
    text = str(node)
    for prefix, ns in (("k2sh:", str(K2SH)), ("sh:", str(SH))):
        if text.startswith(ns):
            return prefix + text[len(ns) :]
    return text


def describe(results: list[ValidationResult]) -> str:
    return "\n".join(
        f"  {r.severity} {short(r.source_shape)} / {short(r.constraint)} / {short(r.source_constraint)} "
        f"focus={r.focus} value={r.value}"
        for r in results
    )


def declared_pairs(g: Graph) -> tuple[set[tuple[URIRef, URIRef]], list[str]]:
    """Every (named shape, constraint) pair of the shapes graph, and the sh: predicates it cannot place."""
    shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    shapes |= set(g.objects(None, SH.property))
    pairs: set[tuple[URIRef, URIRef]] = set()
    unknown = []
    for shape in shapes:
        if not isinstance(shape, URIRef):
            continue
        for p, o in g.predicate_objects(shape):
            if not str(p).startswith(str(SH)) or p in NOT_CONSTRAINTS:
                continue
            if p == SH.sparql:
                pairs.add((shape, o))  # type: ignore[arg-type]
            elif p == SH.uniqueLang and o == Literal(False):
                continue  # sh:uniqueLang false constrains nothing
            elif p in PARAMETERS:
                pairs.add((shape, PARAMETERS[p]))
            else:
                unknown.append(f"{short(shape)} {short(p)}")
    return pairs, unknown


def rule_nodes(g: Graph) -> set[URIRef]:
    """Every property shape and every SPARQL constraint of the shapes graph (named nodes only)."""
    props = set(g.objects(None, SH.property)) | set(g.subjects(RDF.type, SH.PropertyShape))
    sparql = set(g.objects(None, SH.sparql)) | set(g.subjects(RDF.type, SH.SPARQLConstraint))
    return {n for n in props | sparql if isinstance(n, URIRef)}


def _lang_values(g: Graph, node: URIRef, prop: URIRef) -> set[str]:
    return {o.language for o in g.objects(node, prop) if isinstance(o, Literal) and o.language}


# ---- pytest fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def results_of(shapes_graph: Graph, ontology_graph: Graph) -> Callable[[Path], list[ValidationResult]]:
    """The validation results of one fixture file, each file validated once per module."""
    parsed: ParsedQueries = {}
    done: dict[Path, list[ValidationResult]] = {}

    def results(path: Path) -> list[ValidationResult]:
        if path not in done:
            data = Graph().parse(path, format="turtle")
            done[path] = validate_graphs(data, shapes_graph, ontology_graph, parsed_queries=parsed).results
        return done[path]

    return results


# ---- the fixtures ---------------------------------------------------------------------------------------


def test_fixtures_were_collected() -> None:
    assert len(FAIL) > 150 and len(PASS) > 50
    passes = [rule_of(p) for p in PASS]
    assert len(passes) == len(set(passes)), "a rule has more than one pass fixture"
    fails = {rule_of(p) for p in FAIL}
    assert fails == set(passes), f"rules without a pass or a fail fixture: {sorted(fails ^ set(passes))}"


def test_fixtures_are_in_house_form() -> None:
    problems = [f"{p.name}: {problem}" for p in FIXTURES for problem in check_turtle_style(p)]
    assert not problems, "\n".join(problems)


def test_fixture_names_say_their_constraints() -> None:
    """``X.maxCount.fail.ttl`` declares sh:MaxCountConstraintComponent (and ``X.fail.ttl`` a SPARQL constraint).

    A second fixture for the same pair adds a variant: ``X.pattern-four-letters.fail.ttl``.
    """
    problems = []
    for path in FAIL:
        expected = expectations(path)
        params = sorted(str(c).removeprefix(str(SH)).removesuffix("ConstraintComponent") for c in expected.constraints)
        name = (
            f"{rule_of(path)}.fail.ttl"
            if params == ["SPARQL"]
            else f"{rule_of(path)}.{'+'.join(lower_first(p) for p in params)}.fail.ttl"
        )
        if not expected.constraints:
            problems.append(f"{path.name}: no '# expect-constraint:' comment")
        elif not re.fullmatch(re.escape(name.removesuffix(".fail.ttl")) + r"(-[a-z0-9-]+)?\.fail\.ttl", path.name):
            problems.append(f"{path.name}: declares {params}, so should be named {name} (or with a -variant)")
        if rule_of(path) != short(expected.shape).removeprefix("k2sh:"):
            problems.append(f"{path.name}: expects {short(expected.shape)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", FAIL, ids=lambda p: p.name)
def test_fail_fixture_fires_exactly_what_it_declares(path: Path, results_of) -> None:  # type: ignore[no-untyped-def]
    expected = expectations(path)
    results = results_of(path)
    unexpected = [r for r in results if not any(comes_from(r, s) and r.constraint == c for s, c, _sev in expected.entries())]
    assert not unexpected, f"{path.name}: other rules fired too:\n{describe(unexpected)}\nall results:\n{describe(results)}"
    for shape, constraint, severity in expected.entries():
        hits = [r for r in results if comes_from(r, shape) and r.constraint == constraint]
        assert hits, f"{path.name}: {short(shape)} did not fire with {short(constraint)}; results:\n{describe(results)}"
        assert all(r.severity == severity for r in hits), f"{path.name}: not {severity}:\n{describe(hits)}"


@pytest.mark.parametrize("path", PASS, ids=lambda p: p.name)
def test_pass_fixture_is_clean(path: Path, results_of) -> None:  # type: ignore[no-untyped-def]
    expected = expectations(path)
    results = results_of(path)
    assert not [r for r in results if comes_from(r, expected.shape)], (
        f"{path.name}: {short(expected.shape)} fired:\n{describe(results)}"
    )
    assert not results, f"{path.name}: the pass fixture does not conform completely:\n{describe(results)}"


# ---- every constraint of every shape has a fixture --------------------------------------------------------


def test_every_constraint_of_every_shape_has_its_own_fail_fixture(shapes_graph: Graph, results_of) -> None:  # type: ignore[no-untyped-def]
    """Derived from the shapes file: a constraint added, or one no fixture makes fire alone, fails here."""
    pairs, unknown = declared_pairs(shapes_graph)
    assert not unknown, "sh: parameters this test cannot place (extend PARAMETERS or NOT_CONSTRAINTS):\n" + "\n".join(unknown)
    assert len(pairs) > 200
    alone: dict[tuple[Node | None, Node | None], str] = {}
    joint: dict[tuple[Node | None, Node | None], str] = {}
    for path in FAIL:
        expected = expectations(path)
        for r in results_of(path):
            # count a result only where it is what the fixture declares (the test above checks the rest)
            if any(comes_from(r, s) and r.constraint == c for s, c, _sev in expected.entries()):
                (alone if expected.alone else joint).setdefault(pair_of(r), path.name)

    def key(pair: tuple[Node | None, Node | None]) -> tuple[str, str]:
        return (short(pair[0]), short(pair[1]))

    missing = sorted(key(p) for p in pairs if p not in alone and key(p) not in ONLY_TOGETHER and key(p) not in NOT_EXERCISED)
    assert not missing, "no fail fixture makes this shape fire with this constraint alone:\n" + "\n".join(
        f"  {s} {c}" for s, c in missing
    )
    by_key = {key(p): p for p in pairs}
    problems = []
    for k in sorted(ONLY_TOGETHER.keys() | NOT_EXERCISED.keys()):
        if k not in by_key:
            problems.append(f"{k}: listed as an exception, but the shapes declare no such pair")
        elif by_key[k] in alone:
            problems.append(f"{k}: listed as an exception, but {alone[by_key[k]]} makes it fire alone")
    for k in sorted(ONLY_TOGETHER):
        if k in by_key and by_key[k] not in joint and by_key[k] not in alone:
            problems.append(f"{k}: fires only together with another rule, yet no fail fixture declares it")
    stray = sorted(key(p) for p in alone.keys() | joint.keys() if p not in pairs)
    problems += [f"{k}: a fixture fires it, but the shapes file declares no such pair" for k in stray]
    named = {n for n in rule_nodes(shapes_graph) if (shapes_graph.value(n, SH.path) is not None)}
    problems += [f"{short(n)}: a property shape without any constraint" for n in sorted(named - {s for s, _ in pairs})]
    assert not problems, "\n".join(problems)


# ---- the shapes file itself -------------------------------------------------------------------------------


def test_validation_does_not_change_its_arguments(shapes_graph: Graph, ontology_graph: Graph) -> None:
    """validate_graphs is pure: every triple of data, shapes and ontology is as before (not just the counts)."""
    data = Graph().parse(ROOT / "tests" / "shapes" / "TiltakShape-notation.maxCount.fail.ttl", format="turtle")
    before = [set(g) for g in (data, shapes_graph, ontology_graph)]
    report = validate_graphs(data, shapes_graph, ontology_graph)
    assert report.results, "the fixture should make something fire (else the report graph is trivially empty)"
    assert [set(g) for g in (data, shapes_graph, ontology_graph)] == before


def test_expected_shapes_exist(shapes_graph: Graph) -> None:
    nodes = rule_nodes(shapes_graph) | set(shapes_graph.subjects(RDF.type, SH.NodeShape))
    missing = [f"{p.name}: {short(s)}" for p in FAIL for s, _c, _sev in expectations(p).entries() if s not in nodes]
    assert not missing, "fixtures expect shapes that do not exist:\n" + "\n".join(missing)


def test_every_shape_has_messages_and_severity(shapes_graph: Graph) -> None:
    g = shapes_graph
    node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
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


def test_sparql_constraints_match_their_holders(shapes_graph: Graph) -> None:
    """pyshacl reports a SPARQL result with the severity of the shape holding it: keep them equal."""
    g = shapes_graph
    problems = []
    for holder, constraint in g.subject_objects(SH.sparql):
        if g.value(holder, SH.severity) != g.value(constraint, SH.severity):
            problems.append(f"{holder} holds {constraint} with another severity")
    assert not problems, "\n".join(problems)


def test_the_pair_enumeration_reads_the_shapes() -> None:
    """The enumeration that the coverage test relies on, on a small shapes graph written here."""
    g = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:S-p ; sh:sparql ex:Rule .
        ex:S-p a sh:PropertyShape ; sh:path ex:p ; sh:minCount 1 ; sh:pattern "^a" ; sh:flags "i" ;
            sh:uniqueLang false ; sh:name "p" .
        ex:T-q sh:path ex:q ; sh:lessThanOrEquals ex:r ; sh:fancy 1 .
        ex:T a sh:NodeShape ; sh:property ex:T-q .
        """,
        format="turtle",
    )
    pairs, unknown = declared_pairs(g)
    ex = "https://example.org/"
    assert pairs == {
        (URIRef(ex + "S"), URIRef(ex + "Rule")),
        (URIRef(ex + "S-p"), SH.MinCountConstraintComponent),
        (URIRef(ex + "S-p"), SH.PatternConstraintComponent),
        (URIRef(ex + "T-q"), SH.LessThanOrEqualsConstraintComponent),
    }
    assert unknown == [f"{ex}T-q sh:fancy"]
