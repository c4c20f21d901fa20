"""A fast SHACL engine for the constructs k2020graph's shapes use, and incremental validation of a change.

pyshacl stays the reference engine (``validate_graphs(..., engine="pyshacl")``); this module is the hot path:

* The shapes are compiled once into plain objects (:func:`compile_shapes`). A shape that uses anything this
  engine does not implement raises :class:`Unsupported`, and the caller falls back to pyshacl, so that no
  shape ever loses its meaning.
* Core constraints (``sh:class``, ``sh:datatype``, ``sh:minCount``, ...) are evaluated in Python over the
  rdflib graphs, with pyshacl's own rules (its datatype and ill-typed-literal checks, SHACL instances by
  ``rdf:type/rdfs:subClassOf*``).
* Each SHACL-SPARQL constraint runs **once over the whole graph** in pyoxigraph: the shape's targets are put
  in front of the constraint's ``WHERE`` group (``?this rdf:type/rdfs:subClassOf* C``), so that ``$this``
  is bound by the target instead of pre-bound per focus node. Putting the target pattern first in the same
  group is what SHACL's pre-binding means where ``$this`` is used in that group, its ``(NOT) EXISTS``
  groups, or nested groups that bind it themselves; a constraint that uses ``$this`` in a group SPARQL
  evaluates on its own (a ``UNION`` branch starting with ``FILTER NOT EXISTS { $this ... }``) runs once
  per focus node with ``$this`` substituted instead (:func:`_this_in_nested_group`).

Incremental validation (:func:`validate_incremental`) re-validates only the focus nodes a change can affect; the
rule is documented on :func:`affected_focus_nodes`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from queue import Empty, SimpleQueue
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.paths import AlternativePath, InvPath, SequencePath
from rdflib.term import Node

from .store import SPARQL_OPAQUE

Triple = tuple[Node, Node, Node]

# ----------------------------------------------------------------------------------------------------
# Compiled shapes
# ----------------------------------------------------------------------------------------------------

#: Shape parameters that do not constrain anything (documentation, grouping).
_NON_VALIDATING = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.name,
    SH.description,
    SH.message,
    SH.severity,
    SH.order,
    SH.group,
    SH.defaultValue,
}
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf}
_CORE = {
    SH["class"],
    SH.datatype,
    SH.minCount,
    SH.maxCount,
    SH["in"],
    SH.nodeKind,
    SH["or"],
    SH.pattern,
    SH.flags,
    SH.languageIn,
    SH.minInclusive,
}
_MIN_COUNT_COMPONENT, _MAX_COUNT_COMPONENT = SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent
_COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.minCount: _MIN_COUNT_COMPONENT,
    SH.maxCount: _MAX_COUNT_COMPONENT,
    SH["in"]: SH.InConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
}


class Unsupported(Exception):
    """The shapes use a SHACL feature this engine does not implement (the caller falls back to pyshacl)."""


#: A compiled path: ("p", iri) | ("inv", path) | ("alt", [paths]) | ("seq", [paths])
CPath = tuple[str, Any]
#: A triple pattern's predicate: the IRIs it may be, or a variable (any predicate)
Pred = frozenset[Node] | Variable
Pattern = tuple[Node, Pred, Node]


@dataclass
class SparqlConstraint:
    node: Node
    query: str  #: the select text with its PREFIX declarations
    messages: tuple[Literal, ...]

    @cached_property
    def prepared(self) -> Any:
        """The query parsed by rdflib (slow: only incremental validation needs it)."""
        from rdflib.plugins.sparql import prepareQuery

        return prepareQuery(self.query)

    @cached_property
    def needs_prebinding(self) -> bool:
        """``$this`` occurs in a nested group, where the one-query-for-all-targets form does not bind it.

        See :func:`_this_in_nested_group`; such a constraint runs once per focus node with ``$this``
        substituted (SHACL's pre-binding).
        """
        return _this_in_nested_group(self.query)

    @cached_property
    def analysis(self) -> tuple[list[Pattern], bool, frozenset[Variable]]:
        """(triple patterns with property paths expanded, global?, single-use variables)."""
        return _analyse(self.prepared.algebra, self.query)

    @cached_property
    def required_patterns(self) -> list[tuple[Node, URIRef, Node]]:
        """Triple patterns with a constant predicate that every result row needs (see :func:`_required`)."""
        out: list[tuple[Node, URIRef, Node]] = []
        _required(self.prepared.algebra, out)
        return out

    @property
    def patterns(self) -> list[Pattern]:
        return self.analysis[0]

    @property
    def global_(self) -> bool:
        """Some pattern cannot be followed by the dependency rule (a property path with * or +, ...)."""
        return self.analysis[1]

    @property
    def single_use(self) -> frozenset[Variable]:
        return self.analysis[2]

    @property
    def value_local(self) -> bool:
        """No pattern mentions $this and every pattern mentions ?value: a row depends on triples with ?value."""
        this, value = Variable("this"), Variable("value")
        return (
            not self.global_
            and bool(self.patterns)
            and all(this not in (s, p, o) for s, p, o in self.patterns)
            and all(value in (s, p, o) for s, p, o in self.patterns)
        )


@dataclass
class Shape:
    node: Node
    severity: Node
    messages: tuple[Literal, ...]
    path: CPath | None = None
    path_node: Node | None = None
    core: list[tuple[Node, Any]] = field(default_factory=list)  #: (parameter, value)
    sparql: list[SparqlConstraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    target_classes: list[Node] = field(default_factory=list)
    target_nodes: list[Node] = field(default_factory=list)
    target_subjects_of: list[Node] = field(default_factory=list)

    @property
    def is_property(self) -> bool:
        return self.path is not None

    def all_shape_nodes(self) -> set[Node]:
        return {self.node, *(p.node for p in self.properties)}

    @property
    def value_local(self) -> bool:
        """Only targetNode targets, no property shapes, and every SPARQL constraint value-local."""
        return (
            not self.target_classes
            and not self.target_subjects_of
            and not self.properties
            and not self.core
            and bool(self.sparql)
            and all(c.value_local for c in self.sparql)
        )


@dataclass
class CompiledShapes:
    shapes: list[Shape]  #: the shapes with targets (node shapes)
    shapes_graph: Graph
    by_shape_node: dict[Node, Shape]  #: every shape node (node and property shapes) -> its targeted shape


def _messages(g: Graph, node: Node) -> tuple[Literal, ...]:
    return tuple(m for m in g.objects(node, SH.message) if isinstance(m, Literal))


def _compile_path(g: Graph, node: Node) -> CPath:
    if isinstance(node, URIRef):
        return ("p", node)
    if (node, RDF.first, None) in g:
        return ("seq", [_compile_path(g, n) for n in Collection(g, node)])
    inv = g.value(node, SH.inversePath)
    if inv is not None:
        return ("inv", _compile_path(g, inv))
    alt = g.value(node, SH.alternativePath)
    if alt is not None:
        return ("alt", [_compile_path(g, n) for n in Collection(g, alt)])
    raise Unsupported(f"path {node}")


def _prefixes(g: Graph, constraint: Node) -> str:
    lines = []
    for onto in g.objects(constraint, SH.prefixes):
        for decl in g.objects(onto, SH.declare):
            lines.append(f"PREFIX {g.value(decl, SH.prefix)}: <{g.value(decl, SH.namespace)}>")
    return "\n".join(lines) + "\n"


def _walk_patterns(obj: Any, out: list[tuple[Any, int, tuple[tuple[int, int], ...]]], where: list[Any]) -> None:
    """Collect (triple, group number, union sides) for every triple pattern in an rdflib algebra tree."""
    from rdflib.plugins.sparql.parserutils import CompValue

    union_path: tuple[tuple[int, int], ...] = where[0]
    if isinstance(obj, CompValue):
        if obj.name == "Union":
            uid = id(obj)
            _walk_patterns(obj.get("p1"), out, [(*union_path, (uid, 1))])
            _walk_patterns(obj.get("p2"), out, [(*union_path, (uid, 2))])
            return
        for key, value in obj.items():
            if key == "triples" and isinstance(value, list):
                group = id(value)
                flat = [term for t in value for term in t]  # rdflib's TriplesBlock: lists to chunk by 3
                out.extend((tuple(flat[i : i + 3]), group, union_path) for i in range(0, len(flat), 3))
            elif key != "_vars":
                _walk_patterns(value, out, where)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _walk_patterns(item, out, where)
    elif isinstance(obj, dict):
        for value in obj.values():
            _walk_patterns(value, out, where)


def _in_union(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    """True when two groups sit on different sides of one UNION (they never join)."""
    sides = dict(a)
    return any(uid in sides and sides[uid] != side for uid, side in b)


def _expand(s: Node, p: Any, o: Node, fresh: Iterator[int]) -> list[tuple[Node, Pred, Node]]:
    """Triple patterns for one (possibly property-path) pattern; raise Unsupported for * + ? and !."""
    if isinstance(p, Variable):
        return [(s, p, o)]
    if isinstance(p, URIRef):
        return [(s, frozenset([p]), o)]
    if isinstance(p, InvPath):
        return _expand(o, p.arg, s, fresh)
    if isinstance(p, SequencePath):
        out = []
        nodes = [s, *(Variable(f"_seq{next(fresh)}") for _ in p.args[1:]), o]
        for i, part in enumerate(p.args):
            out.extend(_expand(nodes[i], part, nodes[i + 1], fresh))
        return out
    if isinstance(p, AlternativePath):
        if all(isinstance(a, URIRef) for a in p.args):
            return [(s, frozenset(p.args), o)]  # type: ignore[arg-type]
        if all(isinstance(a, InvPath) and isinstance(a.arg, URIRef) for a in p.args):
            return [(o, frozenset(a.arg for a in p.args), s)]  # type: ignore[union-attr]
    raise Unsupported(f"property path {p}")


def _sparql_constraint(g: Graph, node: Node) -> SparqlConstraint:
    select = g.value(node, SH.select)
    if select is None or (node, SH.ask, None) in g or (node, SH.deactivated, None) in g:
        raise Unsupported(f"SPARQL constraint {node}")
    text = str(select)
    if re.search(r"\$(PATH|currentShape|shapesGraph)\b", text):
        raise Unsupported(f"pre-bound variable in {node}")
    return SparqlConstraint(node, _prefixes(g, node) + text, _messages(g, node))


#: Algebra operators whose every solution comes from a solution of their input ``p``.
_KEEPS_ROWS = frozenset(
    {"SelectQuery", "Project", "Filter", "Extend", "OrderBy", "Group", "AggregateJoin", "ToMultiSet", "Distinct", "Reduced"}
)


def _required(node: Any, out: list[tuple[Node, URIRef, Node]]) -> None:
    """The plain triple patterns (constant IRI predicate) that every solution of ``node`` must match.

    Followed: the query's own operators that keep all rows of their input (projection, filter, BIND,
    ORDER, grouping, a join's two sides, the left side of OPTIONAL and MINUS). Not followed: OPTIONAL's
    right side, UNION (a row needs only one branch), (NOT) EXISTS, VALUES. Conservative: what is listed is
    certainly required.
    """
    from rdflib.plugins.sparql.parserutils import CompValue

    if not isinstance(node, CompValue):
        return
    name = node.name
    if name == "BGP":
        for s, p, o in node.triples:
            if isinstance(p, URIRef):
                out.append((s, p, o))
        return
    if name in ("LeftJoin", "Minus"):
        _required(node.p1, out)
        return
    if name == "Join":
        _required(node.p1, out)
        _required(node.p2, out)
        return
    if name == "Group" and node.get("expr") is None:
        return  # an aggregate without GROUP BY gives one row even over no rows (COUNT = 0)
    if name in _KEEPS_ROWS:
        _required(node.get("p"), out)


def _never_matches(c: SparqlConstraint, views: Sequence[View]) -> bool:
    """A pattern that every row of ``c`` needs matches nothing in any of ``views``: ``c`` has no rows there."""
    for s, p, o in c.required_patterns:
        s_ = None if isinstance(s, Variable | BNode) else s
        o_ = None if isinstance(o, Variable | BNode) else o
        if all(next(iter(v.triples((s_, p, o_))), None) is None for v in views):
            return True
    return False


def _analyse(algebra: Any, text: str) -> tuple[list[Pattern], bool, frozenset[Variable]]:
    raw: list[tuple[Any, int, tuple[tuple[int, int], ...]]] = []
    _walk_patterns(algebra, raw, [()])
    patterns: list[Pattern] = []
    global_ = False
    fresh = iter(range(1_000_000))
    for (s, p, o), _group, _union in raw:
        try:
            patterns.extend(_expand(s, p, o, fresh))
        except Unsupported:
            global_ = True
    # A variable is "single use" (a pure existence test) when each of its text occurrences is in a triple
    # pattern of its own, and the patterns holding it are pairwise on different sides of a UNION.
    counts: dict[str, int] = defaultdict(int)
    for name in re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", text.split("SELECT", 1)[-1]):
        counts[name] += 1
    single = set()
    for name, count in counts.items():
        var = Variable(name)
        holders = [(t, grp, un) for t, grp, un in raw if var in t]
        if len(holders) != count or any(sum(1 for x in t if x == var) != 1 for t, _g, _u in holders):
            continue
        if all(_in_union(a[2], b[2]) for i, a in enumerate(holders) for b in holders[i + 1 :]):
            single.add(var)
    return patterns, global_, frozenset(single)


def _compile_shape(g: Graph, node: Node, parent_severity: Node | None = None, nested: bool = False) -> Shape:
    severity = g.value(node, SH.severity) or parent_severity or SH.Violation
    path_node = g.value(node, SH.path)
    shape = Shape(node, severity, _messages(g, node))
    if path_node is not None:
        shape.path, shape.path_node = _compile_path(g, path_node), path_node
    for p, o in g.predicate_objects(node):
        if p in _NON_VALIDATING or p == SH.path:
            continue
        if p in _TARGETS:
            if nested:
                raise Unsupported(f"target on nested shape {node}")
            if p == SH.targetClass:
                shape.target_classes.append(o)
            elif p == SH.targetNode:
                shape.target_nodes.append(o)
            else:
                shape.target_subjects_of.append(o)
        elif p == SH.property:
            shape.properties.append(_compile_shape(g, o, None, nested=True))
        elif p == SH.sparql:
            shape.sparql.append(_sparql_constraint(g, o))
        elif p in _CORE:
            if p == SH.flags:
                continue
            if p in (SH["in"], SH.languageIn):
                value: Any = list(Collection(g, o))
            elif p == SH["or"]:
                value = [_compile_shape(g, alt, severity, nested=True) for alt in Collection(g, o)]
                if any(a.is_property or a.properties or a.sparql for a in value):
                    raise Unsupported(f"sh:or with property shapes in {node}")
            elif p == SH.pattern:
                flags = g.value(node, SH.flags)
                value = re.compile(str(o), _regex_flags(str(flags) if flags else ""))
            else:
                value = o
            shape.core.append((p, value))
        elif p == SH.deactivated:
            raise Unsupported(f"sh:deactivated on {node}")
        elif str(p).startswith(str(SH)):
            raise Unsupported(f"{p} on {node}")
    return shape


def _regex_flags(flags: str) -> int:
    out = 0
    for f in flags:
        out |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(f, 0)
    return out


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Compile the shapes with targets; raise :class:`Unsupported` for anything this engine lacks."""
    for p in (SH.targetObjectsOf, SH.target, SH.node, SH["not"], SH["and"], SH.xone):
        if (None, p, None) in shapes:
            raise Unsupported(str(p))
    roots = {s for p in _TARGETS for s in shapes.subjects(p, None)}
    compiled = [_compile_shape(shapes, n) for n in sorted(roots, key=str)]
    for s in compiled:
        for part in (s, *s.properties):
            # pyshacl makes generic messages for a shape without sh:message and fills {$this}/{?value}
            # placeholders in SPARQL messages; this engine does neither, so such shapes go to pyshacl.
            msgs = [*part.messages, *(m for c in part.sparql for m in c.messages)]
            if (part.core and not part.messages) or any(not part.messages and not c.messages for c in part.sparql):
                raise Unsupported(f"shape {part.node} has no sh:message")
            if any(re.search(r"\{[?$]", str(m)) for m in msgs):
                raise Unsupported(f"message with placeholders in {part.node}")
    by_node: dict[Node, Shape] = {}
    for s in compiled:
        for n in s.all_shape_nodes():
            if n in by_node:
                raise Unsupported(f"shape {n} shared by two targeted shapes")
            by_node[n] = s
    return CompiledShapes(compiled, shapes, by_node)


# ----------------------------------------------------------------------------------------------------
# A read-only view over several rdflib graphs (data + ontology), without copying them
# ----------------------------------------------------------------------------------------------------


class View:
    """Data and ontology seen as one graph, read through rdflib's own indexes (cheap to set up)."""

    def __init__(self, graphs: Sequence[Graph | None]) -> None:
        """``graphs``: data and ontology; a None among them (no ontology, say) is left out."""
        self.graphs = [g for g in graphs if g is not None]
        self._supers: dict[Node, set[Node]] = {}

    def objects(self, s: Node, p: Node | None) -> set[Node]:
        if len(self.graphs) == 1:
            return set(self.graphs[0].objects(s, p))  # type: ignore[arg-type]
        return {o for g in self.graphs for o in g.objects(s, p)}  # type: ignore[arg-type]

    def subjects(self, p: Node | None, o: Node) -> set[Node]:
        return {s for g in self.graphs for s in g.subjects(p, o)}  # type: ignore[arg-type]

    def subjects_of(self, p: Node) -> set[Node]:
        """Every subject with a value of ``p`` (``sh:targetSubjectsOf``)."""
        return {s for g in self.graphs for s in g.subjects(p, None)}  # type: ignore[arg-type]

    def contains(self, t: Triple) -> bool:
        return any(t in g for g in self.graphs)

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[Triple]:
        for g in self.graphs:
            yield from g.triples(pattern)  # type: ignore[arg-type,misc]

    def superclasses(self, cls: Node) -> set[Node]:
        cached = self._supers.get(cls)
        if cached is not None:
            return cached
        seen = {cls}
        todo = [cls]
        while todo:
            for sup in self.objects(todo.pop(), RDFS.subClassOf):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        self._supers[cls] = seen
        return seen

    def subclasses(self, cls: Node) -> set[Node]:
        seen = {cls}
        todo = [cls]
        while todo:
            for sub in self.subjects(RDFS.subClassOf, todo.pop()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        return seen

    def path_values(self, focus: Node, path: CPath) -> set[Node]:
        kind, arg = path
        if kind == "p":
            return self.objects(focus, arg) if not isinstance(focus, Literal) else set()
        if kind == "inv":
            if arg[0] == "p":
                return self.subjects(arg[1], focus)
            raise Unsupported("complex inverse path")
        if kind == "alt":
            return {v for a in arg for v in self.path_values(focus, a)}
        nodes = {focus}
        for part in arg:
            nodes = {v for n in nodes for v in self.path_values(n, part)}
        return nodes


class IndexedView(View):
    """The same view with its own dict indexes, built in one pass: for full validation, where the many
    small lookups of the core constraints cost more through rdflib's store than building these."""

    def __init__(self, graphs: Sequence[Graph | None]) -> None:
        super().__init__(graphs)
        # subject -> predicate -> objects, and object -> predicate -> subjects
        spo: dict[Node, dict[Node, list[Node]]] = {}
        ops: dict[Node, dict[Node, list[Node]]] = {}
        seen: set[Triple] | None = set() if len(self.graphs) > 1 else None
        for g in self.graphs:
            for t in g:
                if seen is not None:
                    if t in seen:
                        continue
                    seen.add(t)  # type: ignore[arg-type]
                s, p, o = t
                spo.setdefault(s, {}).setdefault(p, []).append(o)
                ops.setdefault(o, {}).setdefault(p, []).append(s)
        self._spo, self._ops = spo, ops

    def contains(self, t: Triple) -> bool:
        return t[2] in self._spo.get(t[0], {}).get(t[1], ())

    def objects(self, s: Node, p: Node | None) -> set[Node]:
        by_p = self._spo.get(s)
        if not by_p:
            return set()
        if p is None:
            return {o for objs in by_p.values() for o in objs}
        return set(by_p.get(p, ()))

    def subjects_of(self, p: Node) -> set[Node]:
        """Every subject with a value of ``p`` (``sh:targetSubjectsOf``)."""
        return {s for s, by_p in self._spo.items() if p in by_p}

    def subjects(self, p: Node | None, o: Node) -> set[Node]:
        by_p = self._ops.get(o)
        if not by_p:
            return set()
        if p is None:
            return {s for subs in by_p.values() for s in subs}
        return set(by_p.get(p, ()))


class StoreView(View):
    """The same view read from the pyoxigraph store that holds data and ontology (default graph), for full
    validation of a store that loading built: each lookup asks the store, and only the terms the shapes
    meet are converted to rdflib's (once each), rather than all of them into an index first.

    The store gives typed literals back in a normalised spelling (``"1.50"^^xsd:decimal`` as ``"1.5"``):
    ``literals`` (:func:`held_store`'s map) gives each back as the data spells it, as rdflib reads it.
    """

    def __init__(self, store: Any, literals: dict[Any, Node]) -> None:
        import pyoxigraph as ox

        super().__init__([])
        self._store = store
        self._default = ox.DefaultGraph()
        self._literals = literals
        self._rdflib: dict[Any, Node] = {}  # pyoxigraph term -> rdflib term
        self._ox: dict[Node, Any] = {}  # and back
        self._by_subject: dict[Node, dict[Node, list[Node]]] = {}

    def _term(self, t: Any) -> Node:
        node = self._rdflib.get(t)
        if node is None:
            node = self._rdflib[t] = _from_store(t, self._literals)
            self._ox.setdefault(node, t)
        return node

    def _pattern_term(self, node: Node | None) -> Any:
        if node is None:
            return None
        t = self._ox.get(node)
        if t is None:
            from .terms import to_oxigraph

            t = self._ox[node] = to_oxigraph(node)
        return t

    def _quads(self, s: Node | None, p: Node | None, o: Node | None) -> Any:
        if isinstance(s, Literal):
            return ()
        return self._store.quads_for_pattern(self._pattern_term(s), self._pattern_term(p), self._pattern_term(o), self._default)

    def _described(self, s: Node) -> dict[Node, list[Node]]:
        # A node's triples are read at once and remembered: the core constraints ask for several
        # properties of each focus node, and for the same node's types again and again (sh:class).
        by_p = self._by_subject.get(s)
        if by_p is None:
            by_p = self._by_subject[s] = {}
            term = self._term
            for q in self._quads(s, None, None):
                by_p.setdefault(term(q.predicate), []).append(term(q.object))
        return by_p

    def contains(self, t: Triple) -> bool:
        return t[2] in self._described(t[0]).get(t[1], ())

    def objects(self, s: Node, p: Node | None) -> set[Node]:
        by_p = self._described(s)
        if p is None:
            return {o for objs in by_p.values() for o in objs}
        return set(by_p.get(p, ()))

    def subjects(self, p: Node | None, o: Node) -> set[Node]:
        return {self._term(q.subject) for q in self._quads(None, p, o)}

    def subjects_of(self, p: Node) -> set[Node]:
        return {self._term(q.subject) for q in self._quads(None, p, None)}

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[Triple]:
        for q in self._quads(*pattern):
            yield self._term(q.subject), self._term(q.predicate), self._term(q.object)  # type: ignore[misc]


# ----------------------------------------------------------------------------------------------------
# Core constraints, with pyshacl's rules
# ----------------------------------------------------------------------------------------------------

_PY_TYPES: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


def _actual_datatype(v: Literal, rule: Node) -> bool:
    kind = _PY_TYPES.get(rule)
    return True if kind is None else isinstance(v.value, kind)


def _datatype_ok(v: Node, rule: Node) -> bool:
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        return getattr(v, "ill_typed", None) is not True and _actual_datatype(v, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return _actual_datatype(v, rule)
    if rule == RDF.langString and v.language:
        return _actual_datatype(v, rule)
    return False


def _lang_matches(lang: str, ranges: list[Node]) -> bool:
    low = lang.lower()
    for r in ranges:
        rr = str(r).lower()
        if rr == "*" or low == rr or low.startswith(rr + "-"):
            return True
    return False


def _node_kind_ok(v: Node, kind: Node) -> bool:
    if isinstance(v, Literal):
        return kind in (SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral)
    if isinstance(v, BNode):
        return kind in (SH.BlankNode, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral)
    return kind in (SH.IRI, SH.BlankNodeOrIRI, SH.IRIOrLiteral)


def _compare_literal(a: Literal, b: Literal) -> int:
    """pyshacl's ``compare_literal`` (rdfutil/compare.py), which its sh:minInclusive uses."""
    if a.eq(b):
        return 0
    if a.value.__class__ in (datetime, time):
        if a.value == b.value:
            return 0
        if a.value > b.value:
            return 1
    elif a > b:
        return 1
    return -1


def _min_inclusive_ok(v: Node, bound: Node) -> bool:
    if not isinstance(v, Literal) or not isinstance(bound, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(v.value, str):
        return False
    try:
        return _compare_literal(v, bound) >= 0
    except (TypeError, NotImplementedError):
        return False


def _is_instance(view: View, v: Node, cls: Node) -> bool:
    if isinstance(v, Literal):
        return False
    return any(cls in view.superclasses(t) for t in view.objects(v, RDF.type))


#: How a value is checked, by constraint parameter: one dict lookup per value rather than a chain of rdflib
#: term comparisons (the core constraints' hot loop).
_VALUE_CHECKS: dict[Node, Any] = {
    SH["class"]: lambda view, rule, v: _is_instance(view, v, rule),
    SH.datatype: lambda view, rule, v: _datatype_ok(v, rule),
    SH["in"]: lambda view, rule, v: v in rule,
    SH.nodeKind: lambda view, rule, v: _node_kind_ok(v, rule),
    SH.languageIn: lambda view, rule, v: isinstance(v, Literal) and bool(v.language) and _lang_matches(v.language or "", rule),
    SH.pattern: lambda view, rule, v: not isinstance(v, BNode) and rule.search(str(v)) is not None,
    SH.minInclusive: lambda view, rule, v: _min_inclusive_ok(v, rule),
    SH["or"]: lambda view, rule, v: any(all(_value_ok(view, p2, r2, v) for p2, r2 in alt.core) for alt in rule),
}


def _value_ok(view: View, param: Node, rule: Any, v: Node) -> bool:
    check = _VALUE_CHECKS.get(param)
    if check is None:
        raise Unsupported(str(param))
    return bool(check(view, rule, v))


@dataclass(frozen=True)
class RawResult:
    """A validation result before it becomes a :class:`k2020graph.validation.ValidationResult`."""

    focus: Node
    shape: Shape
    value: Node | None
    component: Node
    constraint: SparqlConstraint | None = None


def _core_results(view: View, shape: Shape, focus: Node) -> Iterator[RawResult]:
    if not shape.core:
        return
    values = view.path_values(focus, shape.path) if shape.path is not None else {focus}
    for param, rule in shape.core:
        comp = _COMPONENT[param]  # type: ignore[index]
        if comp is _MIN_COUNT_COMPONENT:  # the same object: _COMPONENT holds it
            if len(values) < int(rule):
                yield RawResult(focus, shape, None, comp)
        elif comp is _MAX_COUNT_COMPONENT:
            if len(values) > int(rule):
                yield RawResult(focus, shape, None, comp)
        else:
            check = _VALUE_CHECKS.get(param)
            if check is None:
                raise Unsupported(str(param))
            for v in values:
                if not check(view, rule, v):
                    yield RawResult(focus, shape, v, comp)


def focus_nodes(view: View, shape: Shape) -> set[Node]:
    out: set[Node] = set(shape.target_nodes)
    for cls in shape.target_classes:
        for sub in view.subclasses(cls):
            out.update(view.subjects(RDF.type, sub))
    for p in shape.target_subjects_of:
        out.update(view.subjects_of(p))
    return out


def is_target(view: View, shape: Shape, node: Node) -> bool:
    if node in shape.target_nodes:
        return True
    if not isinstance(node, Literal) and any(
        next(iter(view.objects(node, p)), None) is not None for p in shape.target_subjects_of
    ):
        return True
    if isinstance(node, Literal) or not shape.target_classes:
        return False
    types = view.objects(node, RDF.type)
    return any(cls in view.superclasses(t) for t in types for cls in shape.target_classes)


# ----------------------------------------------------------------------------------------------------
# SHACL-SPARQL constraints
# ----------------------------------------------------------------------------------------------------

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _targeted_query(shape: Shape, constraint: SparqlConstraint) -> str:
    """The constraint's query with the shape's targets binding ``?this`` first in its WHERE group."""
    alts = [f"{{ ?this <{RDF.type}>/<{RDFS.subClassOf}>* {c.n3()} . }}" for c in shape.target_classes]
    if shape.target_nodes:
        alts.append("{ VALUES ?this { " + " ".join(n.n3() for n in shape.target_nodes) + " } }")
    alts += [f"{{ SELECT DISTINCT ?this WHERE {{ ?this {p.n3()} [] }} }}" for p in shape.target_subjects_of]
    target = " UNION ".join(alts) if alts else "FILTER(false)"
    m = _WHERE.search(constraint.query)
    if m is None:
        raise Unsupported(f"no WHERE group in {constraint.node}")
    return constraint.query[: m.end()] + "\n" + target + "\n" + constraint.query[m.end() :]


#: What the scan for nested groups looks at: strings, IRIs and comments are skipped whole.
_SCAN = re.compile(SPARQL_OPAQUE + r"|[{}]|\bEXISTS\b|[?$]this\b", re.IGNORECASE)


_THIS_FIRST = re.compile(r"\s*[?$]this\b", re.IGNORECASE)


def _this_in_nested_group(query: str) -> bool:
    """Whether ``$this`` is used inside a group that SPARQL evaluates on its own (bottom-up).

    The targeted form of :func:`_targeted_query` binds ``?this`` in the WHERE group; a ``FILTER``,
    ``BIND`` or triple pattern of that group, and an ``EXISTS`` group within it, see the binding. A
    ``UNION`` branch, ``OPTIONAL``, ``MINUS`` or sub-select is evaluated before the join, so a
    ``FILTER NOT EXISTS { $this ... }`` or ``BIND ($this AS ?value)`` there would see ``?this``
    unbound. (W3C Data Cube's IC-1 is such a query: ``{ FILTER NOT EXISTS { $this qb:dataSet ?any } ...}
    UNION { ... }``.) A nested group whose first triple pattern has ``$this`` as its subject binds it
    itself (the join with the target then agrees with pre-binding); any other nested group that mentions
    ``$this`` counts (conservative).
    """
    m = _WHERE.search(query)
    if m is None:
        return False
    stack: list[bool] = [True]  # per open group: is $this bound there by the outer targeted pattern?
    after_exists = False
    for tok in _SCAN.finditer(query, m.end()):
        word = tok.group(0)
        if word == "{":
            # bound: an EXISTS group inside a bound one, or a group whose first pattern has $this as subject
            starts_with_this = _THIS_FIRST.match(query, tok.end()) is not None
            stack.append(stack[-1] and (after_exists or starts_with_this))
        elif word == "}":
            if len(stack) <= 1:
                break  # the end of the WHERE group
            stack.pop()
        elif word[1:].lower() == "this" and word[0] in "?$":
            if not stack[-1]:
                return True
        after_exists = word.upper() == "EXISTS"
    return False


def _rows(raw: Iterable[tuple[Node | None, Node | None]], shape: Shape, c: SparqlConstraint) -> Iterator[RawResult]:
    """pyshacl's reading of a SELECT result: ?value if bound, else the focus node for a node shape."""
    seen: set[tuple[Node, Node | None]] = set()
    for this, value in raw:
        if this is None:
            continue
        if value is None and not shape.is_property:
            value = this
        if (this, value) in seen:
            continue
        seen.add((this, value))
        yield RawResult(this, shape, value, SH.SPARQLConstraintComponent, c)


def _ox_store(graphs: Sequence[Graph]):  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    from .terms import to_oxigraph

    store = ox.Store()
    quads = []
    default = ox.DefaultGraph()
    for g in graphs:
        for s, p, o in g:
            quads.append(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), default))  # type: ignore[arg-type]
    store.bulk_extend(quads)
    return store


def _from_store(term: Any, literals: dict[Any, Node]) -> Node:
    """The rdflib term for a term read from a pyoxigraph store; a typed literal in the data's spelling
    (``literals``: :func:`held_store`'s or :func:`_literal_map`'s map)."""
    from .terms import to_rdflib

    node = literals.get(term) or to_rdflib(term)
    assert node is not None
    return node


def _sparql_full(
    store: Any, targeted: Shape, shape: Shape, c: SparqlConstraint, literals: dict[Any, Node], foci: Iterable[Node] = ()
) -> Iterator[RawResult]:
    import pyoxigraph as ox

    def back(term: Any) -> Node | None:
        return None if term is None else _from_store(term, literals)

    out: list[tuple[Node | None, Node | None]] = []
    if c.needs_prebinding:  # one query per focus node, $this substituted (SPARQL SEP-0007, as SHACL pre-binds)
        from .terms import to_oxigraph

        this_var = ox.Variable("this")
        for focus in foci:
            rows = store.query(c.query, substitutions={this_var: to_oxigraph(focus)})
            names = [v.value for v in rows.variables]
            for sol in rows:
                value = sol["value"] if "value" in names else None
                out.append((focus, back(value)))
        return _rows(out, shape, c)
    rows = store.query(_targeted_query(targeted, c))
    names = [v.value for v in rows.variables]
    for sol in rows:
        this = sol["this"] if "this" in names else None
        value = sol["value"] if "value" in names else None
        out.append((back(this), back(value)))
    return _rows(out, shape, c)


# ----------------------------------------------------------------------------------------------------
# Full validation
# ----------------------------------------------------------------------------------------------------


def validate_full(view: View, compiled: CompiledShapes, held: HeldStore | None = None) -> list[RawResult]:
    """Every result of the shapes over ``view`` (data + ontology), as pyshacl (advanced, no inference)
    gives them. The caller keeps ``view`` to read the report's labels from.

    ``held``: the same triples already in a pyoxigraph store (:func:`held_store`; ``view`` is then its
    :class:`StoreView`), which the SPARQL constraints run on instead of a store built here from ``view.graphs``.
    """
    # One slot per shape and property shape, in the order of the results: its core results, then its
    # SPARQL constraints' in their order.
    slots: list[tuple[Shape, Shape, set[Node]]] = []
    for shape in compiled.shapes:
        foci = focus_nodes(view, shape)
        slots += [(shape, prop, foci) for prop in (shape, *shape.properties)]
    jobs = [(k, c) for k, (_shape, prop, foci) in enumerate(slots) if foci for c in prop.sparql]
    store, literals = (held.store, held.literals) if held is not None else (None, {})
    if jobs and store is None:
        store = _ox_store(view.graphs)
        literals = _literal_map(view.graphs)
    # The SPARQL constraints run in a second thread while this one checks the core constraints, and this
    # one then helps with those left: pyoxigraph lets go of the GIL while it evaluates a query, so on a
    # machine with two cores they overlap. Likely the longest first (one query over many focus nodes): a
    # short query beside the core constraints would mostly wait for the GIL, which they hold.
    pending: SimpleQueue[int] = SimpleQueue()
    for i in sorted(range(len(jobs)), key=lambda i: (jobs[i][1].needs_prebinding, -len(slots[jobs[i][0]][2]))):
        pending.put(i)
    answers: list[list[RawResult]] = [[] for _ in jobs]

    def answer_pending() -> None:
        while True:
            try:
                i = pending.get_nowait()
            except Empty:
                return
            k, c = jobs[i]
            shape, prop, foci = slots[k]
            answers[i] = list(_sparql_full(store, shape, prop, c, literals, foci))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="k2020graph-sparql") as pool:
        helper = pool.submit(answer_pending) if jobs else None
        try:
            by_slot = [[r for f in foci for r in _core_results(view, prop, f)] if prop.core else [] for _s, prop, foci in slots]
            answer_pending()
        except BaseException:
            while not pending.empty():  # the helper stops after the query it is running
                pending.get_nowait()
            raise
        if helper is not None:
            helper.result()
    for (k, _c), rows in zip(jobs, answers, strict=True):
        by_slot[k].extend(rows)
    return [r for rows in by_slot for r in rows]


#: An xsd:integer in its canonical spelling, which rdflib and the store keep as it is (tested).
CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]*")


@dataclass(frozen=True)
class HeldStore:
    """A pyoxigraph store that holds what is validated, with :func:`_literal_map`'s map for it and a view
    of it for the core constraints and the report's labels."""

    store: Any
    literals: dict[Any, Node]
    view: StoreView


def held_store(store: Any, quads: Iterable[Any]) -> HeldStore | None:
    """``store`` (a pyoxigraph store whose default graph holds exactly ``quads``, the data and the
    ontology that :func:`validate_full` is given as rdflib graphs built from these quads) for
    :func:`validate_full` to run on, instead of a store built again from the graphs and an index of them.

    None where the store cannot stand in for the graphs: where rdflib would spell a literal of ``quads``
    otherwise (it normalises ``"01"^^xsd:integer`` to ``"1"``), so that only a store built from the graphs
    gives pyshacl's answers; and where two spellings of a literal are one value to the store
    (``"1.50"`` and ``"1.5"`` as xsd:decimal), so that it holds fewer triples than the graphs.
    """
    import pyoxigraph as ox

    from .terms import to_oxigraph, to_rdflib

    xsd_string, xsd_integer = ox.NamedNode(str(XSD.string)), ox.NamedNode(str(XSD.integer))
    spelled: dict[Any, Node] = {}  # typed literals other than xsd:string (what the store may respell)
    for q in quads:
        o = q.object
        if type(o) is ox.Literal and o.language is None and o not in spelled:
            datatype = o.datatype
            if datatype == xsd_string or (datatype == xsd_integer and CANONICAL_INTEGER.fullmatch(o.value)):
                continue  # spelled alike by rdflib and the store (most of the data's typed literals)
            lit = to_rdflib(o)
            assert lit is not None
            if to_oxigraph(lit) != o:
                return None
            spelled[o] = lit
    literals = _in_store_spelling(spelled)
    if literals is None:
        return None
    return HeldStore(store, literals, StoreView(store, literals))


def _in_store_spelling(spelled: dict[Any, Node], strict: bool = True) -> dict[Any, Node] | None:
    """``spelled`` (pyoxigraph literal as written -> its rdflib term) keyed by the spelling in which a
    pyoxigraph store gives each literal back (``"1.50"^^xsd:decimal`` comes back as ``"1.5"``).

    Where two literals come back as one: None if ``strict``, else the one first in code-point order."""
    import pyoxigraph as ox

    written = list(spelled)
    scratch = ox.Store()
    scratch.bulk_extend(
        ox.Quad(ox.NamedNode(f"urn:x-k2020graph:{i}"), ox.NamedNode("urn:x-k2020graph:p"), o) for i, o in enumerate(written)
    )
    out: dict[Any, Node] = {}
    for q in scratch:
        lit = spelled[written[int(q.subject.value.rsplit(":", 1)[1])]]
        known = out.get(q.object)
        if known is not None:
            if strict:
                return None
            if str(known) <= str(lit):
                continue
        out[q.object] = lit
    return out


def _literal_map(graphs: Sequence[Graph]) -> dict[Any, Node]:
    """Oxigraph gives some literals back in a normalised spelling: map them to the data's own."""
    from .terms import to_oxigraph

    spelled: dict[Any, Node] = {}
    for g in graphs:
        for o in g.objects(None, None):
            if isinstance(o, Literal) and o.datatype is not None and o.datatype != XSD.string:
                spelled.setdefault(to_oxigraph(o), o)
    out = _in_store_spelling(spelled, strict=False)
    assert out is not None
    return out


# ----------------------------------------------------------------------------------------------------
# Incremental validation
# ----------------------------------------------------------------------------------------------------

#: At most this many nodes are followed per step of a dependency path before another path is tried.
TRAVERSAL_BUDGET = 5000


def _matches(pattern: Pattern, t: Triple) -> bool:
    s, p, o = pattern
    if not isinstance(p, Variable) and t[1] not in p:
        return False
    for var, term in ((s, t[0]), (o, t[2])):
        if not isinstance(var, Variable) and var != term:
            return False
    bound: dict[Node, Node] = {}
    for var, term in ((s, t[0]), (p, t[1]), (o, t[2])):  # type: ignore[assignment]
        if isinstance(var, Variable):
            if bound.setdefault(var, term) != term:
                return False
    return True


def _step(views: Sequence[View], nodes: set[Node], preds: Pred, forward: bool) -> set[Node]:
    out: set[Node] = set()
    plist: list[Node | None] = [None] if isinstance(preds, Variable) else list(preds)
    for n in nodes:
        for view in views:
            for p in plist:
                if forward:
                    if not isinstance(n, Literal):
                        out.update(view.objects(n, p))
                else:
                    out.update(view.subjects(p, n))
    return out


def _paths_to_this(patterns: list[tuple[Node, Pred, Node]], start: Node, this: Node, skip: int) -> list[list[tuple[int, bool]]]:
    """Simple paths (pattern index, forward?) from ``start`` to ``this`` in the query's pattern graph."""
    found: list[list[tuple[int, bool]]] = []

    def walk(node: Node, used: set[int], visited: set[Node], path: list[tuple[int, bool]]) -> None:
        if node == this:
            found.append(list(path))
            return
        if len(path) >= 6:
            return
        for i, (s, _p, o) in enumerate(patterns):
            if i in used:
                continue
            for here, there, forward in ((s, o, True), (o, s, False)):
                if here == node and there not in visited:
                    path.append((i, forward))
                    walk(there, used | {i}, visited | {there}, path)
                    path.pop()

    walk(start, {skip}, {start}, [])
    found.sort(key=len)
    return found


def _dependents(patterns: list[tuple[Node, Pred, Node]], views: Sequence[View], t: Triple) -> set[Node] | None:
    """The ``$this`` nodes whose rows a changed triple ``t`` may change; None when it cannot be bounded."""
    this = Variable("this")
    out: set[Node] = set()
    for i, pattern in enumerate(patterns):
        if not _matches(pattern, t):
            continue
        s, _p, o = pattern
        done = False
        for term, var in ((t[0], s), (t[2], o)):
            if var == this:
                out.add(term)
                done = True
        if done:
            continue
        best: set[Node] | None = None
        for term, var in ((t[0], s), (t[2], o)):
            if not isinstance(var, Variable):
                continue
            for path in _paths_to_this(patterns, var, this, i):
                nodes: set[Node] = {term}
                ok = True
                for j, forward in path:
                    nodes = _step(views, nodes, patterns[j][1], forward)
                    if len(nodes) > TRAVERSAL_BUDGET:
                        ok = False
                        break
                if ok:
                    best = nodes
                    break
            if best is not None:
                break
        if best is None:
            return None
        out |= best
    return out


def _core_patterns(shape: Shape) -> list[tuple[Node, Pred, Node]]:
    fresh = iter(range(1_000_000))

    def expand(path: CPath, s: Node, o: Node) -> list[tuple[Node, Pred, Node]]:
        kind, arg = path
        if kind == "p":
            return [(s, frozenset([arg]), o)]
        if kind == "inv":
            return expand(arg, o, s)
        if kind == "alt":
            if all(a[0] == "p" for a in arg):
                return [(s, frozenset(a[1] for a in arg), o)]
            raise Unsupported("alternative of complex paths")
        nodes = [s, *(Variable(f"_p{next(fresh)}") for _ in arg[1:]), o]
        return [t for k, part in enumerate(arg) for t in expand(part, nodes[k], nodes[k + 1])]

    this, value = Variable("this"), Variable("value")
    if shape.path is None:
        pats: list[tuple[Node, Pred, Node]] = []
    else:
        pats = expand(shape.path, this, value)
    if any(p == SH["class"] for p, _ in shape.core):
        pats.append((value if shape.path is not None else this, frozenset([RDF.type]), Variable("_type")))
    return pats


def affected_focus_nodes(shape: Shape, delta: Sequence[Triple], views: Sequence[View], target_view: View) -> set[Node] | None:
    """The focus nodes of ``shape`` whose results a change may alter; None: all of them.

    The rule (conservative): a focus node is re-validated when

    1. it is the subject or object of a changed triple (its own facts or its targets may have changed), or
    2. a changed triple matches a triple pattern of one of the shape's constraints (the path of a core
       constraint, with ``?value rdf:type ?t`` for ``sh:class``/``sh:or``; every triple pattern of a
       SPARQL constraint, including those inside ``OPTIONAL``, ``UNION``, ``(NOT) EXISTS`` and subqueries,
       property paths expanded), and the focus node is reached from that triple by following the query's
       pattern graph to ``$this`` through the data, in the graph before **and** after the change. If a
       result row of ``$this`` appears or disappears, all its patterns match in one of the two graphs, so
       walking any one chain of patterns from the changed triple to ``$this`` finds it. Paths are tried
       shortest first; one whose steps grow past :data:`TRAVERSAL_BUDGET` nodes (a hub such as a source
       document) is given up for the next; if none stays within it, or a pattern is a property path with
       ``*``/``+``, or a pattern cannot reach ``$this``, every focus node of the shape is re-validated.

    The closure constraints (no pattern mentions ``$this``, every pattern mentions ``?value``) are handled by
    value instead, in :func:`validate_incremental`.
    """
    out: set[Node] = set()
    for t in delta:
        for term in (t[0], t[2]):
            if not isinstance(term, Literal):
                out.add(term)
    constraints = []
    for prop in (shape, *shape.properties):
        if prop.core:
            constraints.append(_core_patterns(prop))
        for c in prop.sparql:
            if _never_matches(c, views):
                continue  # no rows before or after the change (a cube feature the data does not use, say)
            if c.global_:
                return None
            constraints.append(c.patterns)
    for patterns in constraints:
        if not patterns:
            continue
        for t in delta:
            dep = _dependents(patterns, views, t)
            if dep is None:
                return None
            out |= dep
    return out


def _value_candidates(c: SparqlConstraint, delta: Sequence[Triple], base: View, new: View) -> set[Node]:
    """Values whose rows a change may alter, for a value-local constraint.

    A term in a changed triple's subject or object position is always a candidate. A term that only appears
    as a changed triple's predicate is one only where it matters: if ``?value`` stands in predicate position
    only in patterns whose subject and object are variables used nowhere else (a pure existence test; pyshacl
    removes duplicate rows), the row can only change when the predicate's first use appears or its last use
    goes. Any other use of ``?value`` as predicate makes every changed predicate a candidate.
    """
    value = Variable("value")
    existence_only = all(s in c.single_use and o in c.single_use for s, p, o in c.patterns if p == value)
    out: set[Node] = set()
    preds: set[Node] = set()
    for s, p, o in delta:
        out.add(s)
        out.add(o)
        preds.add(p)
    if not any(p == value for _s, p, _o in c.patterns):
        return out
    for p in preds - out:
        if not existence_only:
            out.add(p)
            continue
        used_before = next(base.triples((None, p, None)), None) is not None
        used_after = next(new.triples((None, p, None)), None) is not None
        if used_before != used_after:
            out.add(p)
    return out


def _value_local_rows(shape: Shape, c: SparqlConstraint, candidates: set[Node], view: View, focus: Node) -> Iterator[RawResult]:
    """Rows of a value-local constraint for the candidate values, from the triples that mention them.

    Every pattern mentions ``?value``, so a candidate's row depends only on the triples that mention it. A
    pattern whose other variables are single-use (a pure existence test) needs one witness triple per
    candidate; every other pattern gets all the candidate's matching triples.
    """
    value = Variable("value")
    sub = Graph()
    for v in candidates:
        for s, p, o in c.patterns:
            one_p = next(iter(p)) if not isinstance(p, Variable) and len(p) == 1 else None
            if p == value:
                lookup: tuple[Node | None, Node | None, Node | None] = (None, v, None)
                others = [s, o]
            elif s == value:
                lookup, others = (v, one_p, None), [p, o]  # type: ignore[list-item]
            else:
                lookup, others = (None, one_p, v), [s, p]  # type: ignore[list-item]
            witness_only = all(x in c.single_use for x in others if isinstance(x, Variable))
            for triple in view.triples(lookup):
                if _matches((s, p, o), triple):
                    sub.add(triple)
                    if witness_only:
                        break
    rows = sub.query(c.prepared, initBindings={"this": focus})  # type: ignore[dict-item]
    raw = []
    for row in rows:
        d = row.asdict()  # type: ignore[union-attr]
        if d.get("value") in candidates:
            raw.append((focus, d.get("value")))
    return _rows(raw, shape, c)


def _sparql_for_focus(view_graph: Any, shape: Shape, c: SparqlConstraint, focus: Node) -> Iterator[RawResult]:
    rows = view_graph.query(c.prepared, initBindings={"this": focus})
    raw = []
    for row in rows:
        d = row.asdict()
        raw.append((d.get("this", focus), d.get("value")))
    return _rows(raw, shape, c)


def incremental_results(
    base_results: Sequence[tuple[Node, Node | None, Node | None, Any]],
    compiled: CompiledShapes,
    base: Graph,
    changed: Graph,
    added: Iterable[Triple],
    removed: Iterable[Triple],
    ontology: Graph | None = None,
) -> tuple[set[int], list[RawResult]] | None:
    """Which base results to drop (their indexes) and the new raw results; None: validate in full.

    ``base_results`` are (focus, source_shape, value, result) of the base report.
    """
    # Here, not at the top: importing rdflib's SPARQL engine builds its grammar (~0.1 s), which a full
    # validation (pyoxigraph) does not need.
    from rdflib.plugins.sparql.sparql import SPARQLTypeError

    delta = [*added, *removed]
    if any(p in (RDFS.subClassOf,) for _s, p, _o in delta):
        return None
    base_view = View([base, ontology])
    new_view = View([changed, ontology])
    views = [base_view, new_view]
    query_graph = _query_graph(changed, ontology)
    drop: set[int] = set()
    new: list[RawResult] = []
    by_shape: dict[Node, list[int]] = defaultdict(list)
    for k, (_f, source_shape, _v, _r) in enumerate(base_results):
        owner = compiled.by_shape_node.get(source_shape) if source_shape is not None else None
        if owner is None:
            return None  # a result this engine cannot place
        by_shape[owner.node].append(k)
    for shape in compiled.shapes:
        if shape.value_local:
            focus = shape.target_nodes
            for c in shape.sparql:
                cands = _value_candidates(c, delta, base_view, new_view)
                for k in by_shape[shape.node]:
                    if base_results[k][2] in cands:
                        drop.add(k)
                for f in focus:
                    new.extend(_value_local_rows(shape, c, cands, new_view, f))
            continue
        affected = affected_focus_nodes(shape, delta, views, new_view)
        if affected is None:
            affected = focus_nodes(base_view, shape) | focus_nodes(new_view, shape)
        if not affected:
            continue
        for k in by_shape[shape.node]:
            if base_results[k][0] in affected:
                drop.add(k)
        for f in affected:
            if not is_target(new_view, shape, f):
                continue
            for prop in (shape, *shape.properties):
                new.extend(_core_results(new_view, prop, f))
                for c in prop.sparql:
                    try:
                        new.extend(_sparql_for_focus(query_graph, prop, c, f))
                    except (AttributeError, TypeError, SPARQLTypeError):
                        # rdflib's engine crashes where SPARQL says "error" (e.g. SUM over an IRI); the
                        # full validation (pyoxigraph) evaluates it as the standard says: fall back to it
                        return None
    return drop, new


def _query_graph(changed: Graph, ontology: Graph | None) -> Any:
    if ontology is None:
        return changed
    from rdflib.graph import ReadOnlyGraphAggregate

    return ReadOnlyGraphAggregate([changed, ontology])
