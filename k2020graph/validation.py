"""Validation against the SHACL shapes: a pure function over graphs, and the report's formats.

:func:`validate_graphs` never changes the graphs it is given: data and ontology are copied into one
fresh graph, which pyshacl then uses in place, and the shapes into another (pyshacl adds axioms to it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from .namespaces import bind_prefixes

if TYPE_CHECKING:
    from .shacl import HeldStore, View

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
LANGS = ("nb", "en")


@dataclass(frozen=True)
class ValidationResult:
    focus: Node
    severity: str
    source_shape: Node | None
    path: Node | None
    value: Node | None
    messages: dict[str, str]
    #: The constraint component that fired (sh:sourceConstraintComponent, e.g. sh:MinCountConstraintComponent).
    constraint: Node | None
    #: The constraint node itself where there is one (sh:sourceConstraint): a SPARQL constraint such as
    #: k2sh:EndNotBeforeStart, whose holder property shape is ``source_shape``.
    source_constraint: Node | None = None

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages.get("") or next(iter(self.messages.values()), "")


@dataclass
class ValidationReport:
    results: list[ValidationResult]
    #: The report as RDF, or what builds it on first use (:attr:`report_graph`): an incremental report
    #: of a few changed results among thousands need not rebuild thousands of report nodes that no one reads.
    graph_source: Graph | Callable[[], Graph] = field(repr=False)
    labels: dict[Node, dict[str, str]] = field(default_factory=dict)

    @property
    def report_graph(self) -> Graph:
        if not isinstance(self.graph_source, Graph):
            self.graph_source = self.graph_source()
        return self.graph_source

    @property
    def conforms(self) -> bool:
        """True when no result is a Violation (warnings and infos are allowed)."""
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def label(self, node: Node | None, lang: str) -> str:
        if node is None:
            return ""
        names = self.labels.get(node, {})
        return names.get(lang) or names.get("nb") or names.get("nn") or names.get("en") or names.get("") or ""


#: Parsed SPARQL texts by (text, prefixes). A caller that validates many small graphs against the same
#: shapes (the shape tests) may keep one such dict and pass it to every :func:`validate_graphs` call, so
#: that each constraint's text is parsed once in all; the caller owns it, nothing here keeps it.
ParsedQueries = dict[tuple[str, frozenset[tuple[str, str]]], object]


class _ParsedOnceGraph(Graph):
    """A graph that parses each SPARQL text once (pyshacl sends the same text for every focus node).

    The cache belongs to this one graph object, which lives for one validation, unless the caller hands
    in its own (see :data:`ParsedQueries`): no process-wide state is touched (unlike patching rdflib's
    processor or registering custom evaluators).
    """

    def __init__(self, parsed: ParsedQueries | None = None) -> None:
        super().__init__()
        self._parsed: ParsedQueries = {} if parsed is None else parsed

    def query(
        self,
        query_object,
        processor="sparql",
        result="sparql",
        initNs=None,
        initBindings=None,  # type: ignore[no-untyped-def, override]  # noqa: N803
        use_store_provided=True,
        **kwargs,
    ):
        if isinstance(query_object, str):
            key = (query_object, frozenset((k, str(v)) for k, v in (initNs or {}).items()))
            prepared = self._parsed.get(key)
            if prepared is None:
                from rdflib.plugins.sparql import prepareQuery

                prepared = self._parsed[key] = prepareQuery(query_object, initNs=initNs or {})
            query_object = prepared
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


ENGINES = ("auto", "fast", "pyshacl")


#: A graph, or what builds it when first needed: the fast engine on a held store (below) reads neither the
#: data graph nor the ontology graph, and building them costs more than validating (``k2020graph validate``).
GraphSource = Graph | Callable[[], Graph]


def _built(source: GraphSource | None) -> Graph | None:
    return source if source is None or isinstance(source, Graph) else source()


def validate_graphs(
    data: GraphSource,
    shapes: Graph,
    ontology: GraphSource | None = None,
    engine: str = "auto",
    *,
    parsed_queries: ParsedQueries | None = None,
    held: HeldStore | None = None,
) -> ValidationReport:
    """Validate ``data`` (with ``ontology`` mixed in) against ``shapes``. Pure: no argument is changed.

    ``engine``: ``"pyshacl"`` is the reference engine; ``"fast"`` is :mod:`k2020graph.shacl` (core
    constraints in Python, each SPARQL constraint once over the whole graph in pyoxigraph), which refuses
    shapes it does not implement; ``"auto"`` (the default) uses the fast engine and falls back to pyshacl
    for such shapes. Both give the same results (``tests/test_validation_engines.py``).

    The data and the ontology are copied into one fresh graph for pyshacl to use in place, the shapes into
    another (pyshacl adds axioms to its shapes graph). ``parsed_queries``, for pyshacl, is a cache of parsed
    SPARQL texts that a caller keeps across calls with the same shapes. ``held``, for the fast engine, is
    data + ontology already in a pyoxigraph store (:func:`k2020graph.shacl.held_store`), which spares it
    building one from the graphs; with it, ``data`` and ``ontology`` may be given as functions that build
    them, called only if pyshacl has to take over.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; one of {', '.join(ENGINES)}")
    if engine != "pyshacl":
        from . import shacl

        try:
            compiled = shacl.compile_shapes(shapes)
        except shacl.Unsupported:
            if engine == "fast":
                raise
        else:
            view = held.view if held is not None else shacl.IndexedView([_built(data), _built(ontology)])
            return _report_from_raw(shacl.validate_full(view, compiled, held), view, shapes)
    data_graph = _built(data)
    assert data_graph is not None
    return _validate_pyshacl(data_graph, shapes, _built(ontology), parsed_queries)


def _validate_pyshacl(
    data: Graph, shapes: Graph, ontology: Graph | None, parsed_queries: ParsedQueries | None = None
) -> ValidationReport:
    import pyshacl

    work = _ParsedOnceGraph(parsed_queries)
    for source in (data, ontology):
        if source is not None:
            for triple in source:
                work.add(triple)
    # pyshacl adds a few RDFS/OWL axioms (owl:Class rdfs:subClassOf rdfs:Class, ...) to the shapes graph it
    # is given: hand it a copy, so that the caller's shapes graph stays as it was.
    shapes_copy = Graph()
    for triple in shapes:
        shapes_copy.add(triple)
    _conforms, report_graph, _text = pyshacl.validate(
        work,
        shacl_graph=shapes_copy,
        advanced=True,
        inference="none",
        allow_warnings=True,
        inplace=True,
    )
    assert isinstance(report_graph, Graph)
    # pyshacl drops the language tags of SPARQL constraints' messages: recover them from the shapes.
    known_lang = {str(m): m.language for m in shapes.objects(None, SH.message) if isinstance(m, Literal) and m.language}
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        messages: dict[str, str] = {}
        for msg in report_graph.objects(node, SH.resultMessage):
            lang = (msg.language if isinstance(msg, Literal) and msg.language else None) or known_lang.get(str(msg), "")
            messages.setdefault(lang, str(msg))
        severity = report_graph.value(node, SH.resultSeverity)
        results.append(
            ValidationResult(
                focus=report_graph.value(node, SH.focusNode),  # type: ignore[arg-type]
                severity=SEVERITIES.get(severity, str(severity)),  # type: ignore[call-overload]
                source_shape=report_graph.value(node, SH.sourceShape),
                path=report_graph.value(node, SH.resultPath),
                value=report_graph.value(node, SH.value),
                messages=messages,
                constraint=report_graph.value(node, SH.sourceConstraintComponent),
                source_constraint=report_graph.value(node, SH.sourceConstraint),
            )
        )
    from .shacl import View

    return _finish(results, bind_prefixes(report_graph), View([data, ontology]))


def _finish(
    results: list[ValidationResult],
    report_graph: Graph | Callable[[], Graph],
    names: View,
    known: tuple[dict[Node, dict[str, str]], set[Node]] | None = None,
) -> ValidationReport:
    """The report, results in their order, with the labels of their nodes as ``names`` (data and ontology)
    gives them. ``known``: labels already read
    and the nodes whose labels may have changed since (read again); every other node's are taken as known."""
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    results.sort(key=lambda r: (order.get(r.severity, 3), str(r.focus), str(r.source_shape), str(r.value)))
    nodes = {n for r in results for n in (r.focus, r.value, r.path) if n is not None}
    if known is None:
        labels = _labels(names, nodes)
    else:
        previous, stale = known
        labels = {n: previous[n] for n in nodes if n in previous and n not in stale}
        labels.update(_labels(names, {n for n in nodes if n not in labels}))
    return ValidationReport(results, report_graph, labels)


def _result_from_raw(raw: Any) -> ValidationResult:
    """A :class:`ValidationResult` from the fast engine's raw result, with pyshacl's fields and messages."""
    shape = raw.shape
    messages: dict[str, str] = {}
    extra = raw.constraint.messages if raw.constraint is not None else ()
    for msg in (*extra, *shape.messages):  # pyshacl's order: the constraint's first
        messages.setdefault(msg.language or "", str(msg))
    return ValidationResult(
        focus=raw.focus,
        severity=SEVERITIES.get(shape.severity, str(shape.severity)),
        source_shape=shape.node,
        path=shape.path_node,
        value=raw.value,
        messages=messages,
        constraint=raw.component,
        source_constraint=raw.constraint.node if raw.constraint is not None else None,
    )


def _report_graph(results: list[ValidationResult], raws: list[Any], shapes: Graph, previous: Graph | None = None) -> Graph:
    """The report as RDF, in the form pyshacl writes it (sh:ValidationReport with one sh:result each)."""
    g = Graph()
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(not any(r.severity == "Violation" for r in results))))
    severity_iri = {v: k for k, v in SEVERITIES.items()}
    for r, raw in zip(results, raws, strict=True):
        node = BNode()
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.focusNode, r.focus))
        g.add((node, SH.resultSeverity, severity_iri.get(r.severity, URIRef(r.severity))))
        if r.source_shape is not None:
            g.add((node, SH.sourceShape, r.source_shape))
        if r.constraint is not None:
            g.add((node, SH.sourceConstraintComponent, r.constraint))
        if raw is not None and raw.constraint is not None:
            g.add((node, SH.sourceConstraint, raw.constraint.node))
        if r.value is not None:
            g.add((node, SH.value, r.value))
        if r.path is not None:
            g.add((node, SH.resultPath, r.path))
            if isinstance(r.path, BNode):
                for t in _cbd(shapes if raw is not None or previous is None else previous, r.path):
                    g.add(t)
        for lang, text in r.messages.items():
            g.add((node, SH.resultMessage, Literal(text, lang=lang or None)))
    return bind_prefixes(g)


def _cbd(graph: Graph, node: Node) -> list[tuple[Node, Node, Node]]:
    out = []
    todo = [node]
    seen = set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for p, o in graph.predicate_objects(n):
            out.append((n, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


def _report_from_raw(raws: list[Any], names: View, shapes: Graph) -> ValidationReport:
    results = [_result_from_raw(r) for r in raws]
    return _finish(results, _report_graph(results, raws, shapes), names)


def validate_incremental(
    base_report: ValidationReport,
    base: Graph,
    changed: Graph,
    added: Iterable[tuple[Node, Node, Node]],
    removed: Iterable[tuple[Node, Node, Node]],
    shapes: Graph | Any,
    ontology: Graph | None = None,
) -> ValidationReport:
    """The report for ``changed`` (the data ``base`` with ``added`` added and ``removed`` removed), computed
    from ``base_report`` (the report for ``base``) by re-validating only what the change can affect.

    The rule for what is re-validated is :func:`k2020graph.shacl.affected_focus_nodes`. Where the change
    cannot be bounded (an ``rdfs:subClassOf`` triple, shapes the fast engine does not implement), the whole
    of ``changed`` is validated, so the answer is always the full validation's
    (``tests/test_incremental_validation.py`` checks that on many random changes). Pure: nothing changes.

    ``shapes`` is the shapes graph, or :func:`k2020graph.shacl.compile_shapes` of it: a caller that validates
    many changes (a server) compiles once and keeps it, since compiling parses every SPARQL constraint.
    """
    from . import shacl

    added, removed = list(added), list(removed)
    if isinstance(shapes, shacl.CompiledShapes):
        compiled, shapes = shapes, shapes.shapes_graph
    else:
        try:
            compiled = shacl.compile_shapes(shapes)
        except shacl.Unsupported:
            return validate_graphs(changed, shapes, ontology)
    base_results = [(r.focus, r.source_shape, r.value, r) for r in base_report.results]
    outcome = shacl.incremental_results(base_results, compiled, base, changed, added, removed, ontology)
    if outcome is None:
        return validate_graphs(changed, shapes, ontology)
    drop, raws = outcome
    kept = [r for k, r in enumerate(base_report.results) if k not in drop]
    fresh = [_result_from_raw(raw) for raw in raws]
    results = kept + fresh
    # The report graph is built when first read. A kept result's blank-node path is copied from the shapes
    # (where the fast engine's paths live), else from the base report's graph, which is then read now, so
    # that no chain of unread reports is kept alive from one change to the next.
    shapes_graph: Graph = shapes
    previous = None
    if any(isinstance(r.path, BNode) and (r.path, None, None) not in shapes_graph for r in kept):
        previous = base_report.report_graph
    raws_all = [None] * len(kept) + raws
    in_order = list(results)  # _finish sorts ``results``; the report graph pairs each with its raw result
    # labels: a node's may have changed only where a changed triple is about it
    stale = {t[0] for t in [*added, *removed]}
    return _finish(
        results,
        lambda: _report_graph(in_order, raws_all, shapes_graph, previous),
        shacl.View([changed, ontology]),
        known=(base_report.labels, stale),
    )


def _labels(view: View, nodes: set[Node]) -> dict[Node, dict[str, str]]:
    """Each IRI's name per language: its rdfs:label, else skos:prefLabel, else dct:title; of two in one
    language the first in code-point order, so that the report does not depend on the order of reading."""
    out: dict[Node, dict[str, str]] = {}
    for node in nodes:
        if not isinstance(node, URIRef):
            continue
        names: dict[str, str] = {}
        for prop in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
            for lit in sorted(view.objects(node, prop), key=str):
                if isinstance(lit, Literal):
                    names.setdefault(lit.language or "", str(lit))
        out[node] = names
    return out


def _short(node: Node | None, graph: Graph) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - rdflib raises plain exceptions for unbindable IRIs
            return f"<{node}>"
    return node.n3() if hasattr(node, "n3") else str(node)


TEXT = {
    "nb": {
        "ok": "Grafen er gyldig",
        "bad": "Grafen er ikke gyldig",
        "Violation": "brudd",
        "Warning": "advarsel",
        "Info": "info",
        "shape": "form",
        "value": "verdi",
        "path": "egenskap",
    },
    "en": {
        "ok": "The graph conforms",
        "bad": "The graph does not conform",
        "Violation": "violation",
        "Warning": "warning",
        "Info": "info",
        "shape": "shape",
        "value": "value",
        "path": "property",
    },
}


#: Severity names by count: (one, several) per language ("1 advarsel", "3 advarsler").
SEVERITY_WORDS = {
    "nb": {"Violation": ("brudd", "brudd"), "Warning": ("advarsel", "advarsler"), "Info": ("info", "info")},
    "en": {"Violation": ("violation", "violations"), "Warning": ("warning", "warnings"), "Info": ("info", "info")},
}


def count_phrase(results: Sequence[ValidationResult], lang: str = "nb") -> str:
    """ "1 brudd, 3 advarsler, 0 info": how many results of each severity, in ``lang``, plural forms right."""
    words = SEVERITY_WORDS[lang]
    parts = []
    for severity in ("Violation", "Warning", "Info"):
        n = sum(1 for r in results if r.severity == severity)
        parts.append(f"{n} {words[severity][0 if n == 1 else 1]}")
    return ", ".join(parts)


def result_lines(
    results: Sequence[ValidationResult],
    report: ValidationReport,
    lang: str = "nb",
    show: Callable[[Node], str] | None = None,
    note: Callable[[ValidationResult], str] = lambda r: "",
) -> list[str]:
    """Results grouped by focus node, each with the shape's message in ``lang``, its path, value and shape
    (written by ``show``; IRIs as prefixed names by default), and a blank line after each focus node.
    ``note`` adds a remark in brackets after a result's severity (the change report's "reworded")."""
    t = TEXT[lang]
    if show is None:

        def show(n: Node) -> str:
            return _short(n, report.report_graph)

    by_focus: dict[Node, list[ValidationResult]] = defaultdict(list)
    for r in results:
        by_focus[r.focus].append(r)
    lines = []
    for focus, group in by_focus.items():
        label = report.label(focus, lang)
        lines.append(show(focus) + (f"  «{label}»" if label else ""))
        for r in group:
            extra = note(r)
            lines.append(f"  [{t[r.severity]}]{' (' + extra + ')' if extra else ''} {r.message(lang)}")
            details = []
            if r.path is not None:
                details.append(f"{t['path']}: {show(r.path)}")
            if r.value is not None:
                details.append(f"{t['value']}: {show(r.value)}")
            if r.source_shape is not None:
                details.append(f"{t['shape']}: {show(r.source_shape)}")
            if details:
                lines.append("      " + "; ".join(details))
        lines.append("")
    return lines


def result_json(r: ValidationResult, report: ValidationReport, lang: str = "nb") -> dict[str, object]:
    """One result as JSON-ready data (IRIs and literals as strings; the message in ``lang`` and in all)."""

    def s(n: Node | None) -> str | None:
        return None if n is None else str(n)

    return {
        "focus": s(r.focus),
        "focus_label": report.label(r.focus, lang) or None,
        "severity": r.severity,
        "path": s(r.path),
        "value": s(r.value),
        "source_shape": s(r.source_shape),
        "constraint": s(r.constraint),
        "source_constraint": s(r.source_constraint),
        "message": r.message(lang),
        "messages": r.messages,
    }


def format_text(report: ValidationReport, lang: str = "nb") -> str:
    """Results grouped by focus node, with labels and the shape's message in ``lang``."""
    t = TEXT[lang]
    lines = result_lines(report.results, report, lang)
    lines.append(f"{t['ok'] if report.conforms else t['bad']}: {count_phrase(report.results, lang)}.")
    return "\n".join(lines) + "\n"


def format_json(report: ValidationReport, lang: str = "nb") -> str:
    payload = {
        "conforms": report.conforms,
        "counts": {sev: report.count(sev) for sev in ("Violation", "Warning", "Info")},
        "results": [result_json(r, report, lang) for r in report.results],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def stable_turtle(graph: Graph) -> str:
    """``graph`` in Turtle, the same text for the same triples.

    A report's results are blank nodes, which the Turtle writer sorts by their labels, and rdflib draws
    those at random. They are renamed here in the order of what they hold: a digest of each node's own
    triples, refined with its neighbours' digests until that tells no more nodes apart (colour refinement,
    the first step of graph canonicalisation). The full canonical labelling that :mod:`changes.triples
    <k2020graph.changes.triples>` uses to compare small graphs (rdflib's) took 99 s for a report of 1,338
    results. Nodes that refinement leaves alike have the same triples around them to every depth, as a
    report's results with equal fields do, and write the same text in either order.
    """
    import hashlib

    triples = list(graph)
    nodes: set[Node] = {n for t in triples for n in (t[0], t[2]) if isinstance(n, BNode)}
    digest: dict[Node, str] = dict.fromkeys(nodes, "")
    for _ in range(len(nodes) + 1):
        edges: defaultdict[Node, list[str]] = defaultdict(list)
        for s, p, o in triples:
            if isinstance(s, BNode):
                edges[s].append(f"> {p.n3()} {digest[o] if isinstance(o, BNode) else o.n3()}")
            if isinstance(o, BNode):
                edges[o].append(f"< {p.n3()} {digest[s] if isinstance(s, BNode) else s.n3()}")
        refined = {n: hashlib.sha256("\n".join(sorted(edges[n])).encode()).hexdigest() for n in nodes}
        settled = len(set(refined.values())) == len(set(digest.values()))
        digest = refined
        if settled:
            break
    name: dict[Node, Node] = {n: BNode(f"b{i}") for i, n in enumerate(sorted(nodes, key=lambda n: digest[n]))}
    out = Graph(bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace)
    for s, p, o in triples:
        out.add((name.get(s, s), p, name.get(o, o)))
    return out.serialize(format="turtle")


def format_turtle(report: ValidationReport, lang: str = "nb") -> str:
    return stable_turtle(report.report_graph)


def format_junit(report: ValidationReport, lang: str = "nb") -> str:
    """One test case per focus node; violations are failures, warnings and infos system-out notes."""
    g = report.report_graph
    by_focus: dict[Node, list[ValidationResult]] = defaultdict(list)
    for r in report.results:
        by_focus[r.focus].append(r)
    cases = []
    failures = 0
    for focus, results in by_focus.items():
        name = quoteattr(_short(focus, g))
        violations = [r for r in results if r.severity == "Violation"]
        notes = [r for r in results if r.severity != "Violation"]
        body = ""
        if violations:
            failures += 1
            text = "\n".join(f"{_short(r.source_shape, g)}: {r.message(lang)}" for r in violations)
            body += f'<failure message={quoteattr(violations[0].message(lang))} type="Violation">{escape(text)}</failure>'
        if notes:
            body += "<system-out>" + escape("\n".join(f"[{r.severity}] {r.message(lang)}" for r in notes)) + "</system-out>"
        cases.append(f'  <testcase classname="k2020graph.shacl" name={name}>{body}</testcase>')
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="k2020graph validate" '
        f'tests="{max(len(cases), 1)}" failures="{failures}" errors="0">\n'
    )
    if not cases:
        cases.append('  <testcase classname="k2020graph.shacl" name="conforms"/>')
    return head + "\n".join(cases) + "\n</testsuite>\n"


FORMATTERS = {"text": format_text, "json": format_json, "turtle": format_turtle, "junit": format_junit}
